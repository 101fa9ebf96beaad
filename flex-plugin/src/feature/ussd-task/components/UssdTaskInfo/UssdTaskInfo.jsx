import React from 'react';
import PropTypes from 'prop-types';
import { Alert } from '@twilio-paste/core/alert';
import { Box } from '@twilio-paste/core/box';
import { Heading } from '@twilio-paste/core/heading';
import { Text } from '@twilio-paste/core/text';

import { getLocaleTag, t, translateYesNo } from '../../strings';
import { PRIMARY_FIELDS } from '../../constants';
import { humanizeKey, readUssdTask } from '../../utils/attributes';
import { DASH, formatLocalDateTime, formatRepeatTime } from '../../utils/format';
import CallbackButton from '../CallbackButton/CallbackButton';
import PasteThemeScope from '../common/PasteThemeScope';
import SafeBoundary from '../common/SafeBoundary';

/** One term/description pair of a <dl>. */
const Row = ({ term, children, testId }) => (
  <Box as="div" display="flex" flexWrap="wrap" columnGap="space30" paddingY="space10" data-testid={testId}>
    <Text as="dt" fontWeight="fontWeightSemibold" minWidth="size10">
      {term}
    </Text>
    <Text as="dd" marginLeft="space0">
      {children}
    </Text>
  </Box>
);

Row.propTypes = {
  term: PropTypes.node.isRequired,
  children: PropTypes.node,
  testId: PropTypes.string,
};

Row.defaultProps = {
  children: null,
  testId: undefined,
};

const Weak = ({ children }) => (
  <Text as="span" color="colorTextWeak">
    {children}
  </Text>
);

Weak.propTypes = { children: PropTypes.node };
Weak.defaultProps = { children: null };

const NotGiven = () => <Weak>{t('UssdNotGiven')}</Weak>;

const orDash = (text) => text || <Weak>{DASH}</Weak>;

/** The canonical value, plus the caller's own wording when it says something else. */
const PrimaryValue = ({ field }) => {
  const shown = field.key === 'callback' ? translateYesNo(field.value) : field.value;
  const differs = field.callerLabel && field.callerLabel.toLowerCase() !== shown.toLowerCase();
  return (
    <>
      {shown}
      {differs && <Weak>{` (${t('UssdCallerChose', { label: field.callerLabel })})`}</Weak>}
    </>
  );
};

PrimaryValue.propTypes = {
  field: PropTypes.shape({ key: PropTypes.string, value: PropTypes.string, callerLabel: PropTypes.string }).isRequired,
};

/** A sub-section title (Paste headings only take margin "space0", hence the Box). */
const SectionTitle = ({ children }) => (
  <Box marginTop="space50" marginBottom="space20">
    <Heading as="h3" variant="heading50" marginBottom="space0">
      {children}
    </Heading>
  </Box>
);

SectionTitle.propTypes = { children: PropTypes.node.isRequired };

const PRIMARY_LABEL_KEYS = PRIMARY_FIELDS.reduce((acc, field) => ({ ...acc, [field.key]: field.labelKey }), {});

/** Shows a value the way the first request shows it (translated Yes/No for `callback`). */
const displayValue = (key, value) => (key === 'callback' ? translateYesNo(value) : value);

/**
 * One answer of a repeat request. The pinned fields read like the first
 * request's rows (value, then the caller's wording); any other answer like
 * "Other answers" (caller's wording, then the value). A value that differs from
 * the first request's is bold and marked "(changed)".
 */
const RepeatAnswer = ({ answer }) => {
  const isPrimary = Boolean(PRIMARY_LABEL_KEYS[answer.key]);
  const main = isPrimary ? displayValue(answer.key, answer.value || answer.label) : answer.label || answer.value;
  const extra = isPrimary
    ? answer.label &&
      answer.label.toLowerCase() !== main.toLowerCase() &&
      t('UssdCallerChose', { label: answer.label })
    : answer.label && answer.value && answer.value !== answer.label && answer.value;
  if (!main) {
    return <NotGiven />;
  }
  return (
    <>
      {answer.changed ? (
        <Text as="strong" fontWeight="fontWeightBold">
          {main}
        </Text>
      ) : (
        main
      )}
      {extra && <Weak>{` (${extra})`}</Weak>}
      {answer.changed && (
        <Text
          as="span"
          color="colorTextWarningStrong"
          fontWeight="fontWeightSemibold"
          title={t('UssdRepeatFirstValue', { value: displayValue(answer.key, answer.previous) })}
          data-testid="ussd-repeat-changed"
        >
          {` ${t('UssdRepeatChanged')}`}
        </Text>
      )}
    </>
  );
};

RepeatAnswer.propTypes = {
  answer: PropTypes.shape({
    key: PropTypes.string,
    label: PropTypes.string,
    value: PropTypes.string,
    previous: PropTypes.string,
    changed: PropTypes.bool,
  }).isRequired,
};

const repeatTitle = (update, firstSubmittedAt, localeTag) => {
  const { text, withDate } = formatRepeatTime(update.submittedAt, firstSubmittedAt, localeTag);
  if (!text) {
    return t('UssdRepeatTitleNoTime');
  }
  return t(withDate ? 'UssdRepeatTitleWithDate' : 'UssdRepeatTitle', { time: text });
};

/** A repeat request the server merged into this task (one entry of `updates`). */
const RepeatRequest = ({ update, firstSubmittedAt, localeTag }) => {
  const title = repeatTitle(update, firstSubmittedAt, localeTag);
  return (
    <Box as="section" aria-label={title} data-testid="ussd-repeat-request">
      <SectionTitle>
        {update.submittedAt ? (
          <span title={update.submittedAt.toISOString()}>{title}</span>
        ) : (
          title
        )}
      </SectionTitle>
      {update.answers.length > 0 ? (
        <Box as="dl" margin="space0" data-testid="ussd-repeat-answers">
          {update.answers.map((answer, index) => (
            <Row
              // eslint-disable-next-line react/no-array-index-key
              key={`${answer.key}-${index}`}
              term={
                (PRIMARY_LABEL_KEYS[answer.key] && t(PRIMARY_LABEL_KEYS[answer.key])) ||
                humanizeKey(answer.key) ||
                t('UssdAnswerNumber', { number: index + 1 })
              }
            >
              <RepeatAnswer answer={answer} />
            </Row>
          ))}
        </Box>
      ) : (
        <Weak>{t('UssdRepeatNoAnswers')}</Weak>
      )}
      {update.sessionId && (
        <Box marginTop="space10">
          <Text as="p" color="colorTextWeak" fontSize="fontSize20">
            {t('UssdRepeatSession', { session: update.sessionId })}
          </Text>
        </Box>
      )}
    </Box>
  );
};

RepeatRequest.propTypes = {
  update: PropTypes.shape({
    submittedAt: PropTypes.instanceOf(Date),
    sessionId: PropTypes.string,
    answers: PropTypes.arrayOf(PropTypes.object),
  }).isRequired,
  firstSubmittedAt: PropTypes.instanceOf(Date),
  localeTag: PropTypes.string,
};

RepeatRequest.defaultProps = {
  firstSubmittedAt: null,
  localeTag: undefined,
};

/**
 * Shown at the top of tasks sent from the menu editor's phone simulator
 * (`simulation: true`): a coordinator testing a menu, not a person waiting.
 * A Paste warning Alert, as for the call-back failure, but with role="status"
 * (a polite live region) instead of the warning's default assertive "alert":
 * it informs without interrupting. The icon carries the "(warning)" label.
 */
const SimulationNotice = () => (
  <Box marginBottom="space40">
    <Alert
      variant="warning"
      role="status"
      i18nWarningLabel={t('UssdWarningLabel')}
      data-testid="ussd-simulation-notice"
    >
      <Text as="span" fontWeight="fontWeightSemibold">
        {t('UssdSimulationNotice')}
      </Text>
    </Alert>
  </Box>
);

const UssdTaskInfoContent = ({ task, showCallback }) => {
  const request = readUssdTask(task);
  const localeTag = getLocaleTag();
  const submitted = formatLocalDateTime(request.submittedAt, localeTag);

  const menuText =
    request.menu && request.menuVersion
      ? t('UssdMenuWithVersion', { menu: request.menu, version: request.menuVersion })
      : request.menu;

  return (
    <Box as="section" aria-label={t('UssdPanelTitle')} paddingY="space40" data-testid="ussd-task-info">
      <Heading as="h2" variant="heading40">
        {t('UssdPanelTitle')}
      </Heading>

      {request.simulation && <SimulationNotice />}

      <Box as="dl" margin="space0" data-testid="ussd-primary-answers">
        {request.primary.map((field) => (
          <Row key={field.key} term={t(field.labelKey)} testId={`ussd-field-${field.key}`}>
            {field.value ? <PrimaryValue field={field} /> : <NotGiven />}
          </Row>
        ))}
      </Box>

      {showCallback && request.wantsCallback && <CallbackButton task={task} number={request.from} />}

      {request.otherAnswers.length > 0 && (
        <>
          <SectionTitle>{t('UssdOtherAnswers')}</SectionTitle>
          <Box as="dl" margin="space0" data-testid="ussd-other-answers">
            {request.otherAnswers.map((answer, index) => (
              <Row
                // eslint-disable-next-line react/no-array-index-key
                key={`${answer.key}-${index}`}
                term={humanizeKey(answer.key) || t('UssdAnswerNumber', { number: index + 1 })}
              >
                {answer.label || answer.value || <NotGiven />}
                {answer.label && answer.value && answer.value !== answer.label && <Weak>{` (${answer.value})`}</Weak>}
              </Row>
            ))}
          </Box>
        </>
      )}

      <SectionTitle>{t('UssdDetails')}</SectionTitle>
      <Box as="dl" margin="space0" data-testid="ussd-details">
        <Row term={t('UssdFieldCaller')}>{orDash(request.caller)}</Row>
        <Row term={t('UssdFieldServiceCode')}>{orDash(request.serviceCode)}</Row>
        <Row term={t('UssdFieldMenu')}>{orDash(menuText)}</Row>
        <Row term={t('UssdFieldSubmittedAt')}>
          {submitted ? (
            <time dateTime={request.submittedAt.toISOString()} title={request.submittedAt.toISOString()}>
              {submitted}
            </time>
          ) : (
            <Weak>{DASH}</Weak>
          )}
        </Row>
        <Row term={t('UssdFieldSession')}>{orDash(request.sessionId)}</Row>
      </Box>

      {request.updates.map((update, index) => (
        // eslint-disable-next-line react/no-array-index-key
        <RepeatRequest key={index} update={update} firstSubmittedAt={request.submittedAt} localeTag={localeTag} />
      ))}
    </Box>
  );
};

UssdTaskInfoContent.propTypes = {
  task: PropTypes.object,
  showCallback: PropTypes.bool,
};

UssdTaskInfoContent.defaultProps = {
  task: undefined,
  showCallback: true,
};

const Fallback = () => (
  <p data-testid="ussd-task-info-fallback" style={{ padding: '8px 0' }}>
    {t('UssdPanelError')}
  </p>
);

/**
 * The USSD request in the task info panel (agent and supervisor views): the
 * four demo-menu answers first, then every other answer of `answers` with the
 * caller's own wording, then service code, menu, submission time (agent's local
 * time) and session, then one section per repeat request merged into the task
 * (`updates`), with answers that differ from the first request marked. `task` and `theme` are passed in by Flex's TaskInfoPanel.
 */
const UssdTaskInfo = ({ task, theme, showCallback }) => (
  <SafeBoundary fallback={<Fallback />}>
    <PasteThemeScope flexTheme={theme}>
      <UssdTaskInfoContent task={task} showCallback={showCallback} />
    </PasteThemeScope>
  </SafeBoundary>
);

UssdTaskInfo.displayName = 'UssdTaskInfo';

UssdTaskInfo.propTypes = {
  task: PropTypes.object,
  theme: PropTypes.object,
  showCallback: PropTypes.bool,
};

UssdTaskInfo.defaultProps = {
  task: undefined,
  theme: undefined,
  showCallback: true,
};

export default UssdTaskInfo;
