import React from 'react';
import PropTypes from 'prop-types';
import { Alert } from '@twilio-paste/core/alert';
import { Badge } from '@twilio-paste/core/badge';
import { Box } from '@twilio-paste/core/box';
import { Heading } from '@twilio-paste/core/heading';
import { Text } from '@twilio-paste/core/text';

import { getLocaleTag, t } from '../../strings';
import { PRIMARY_FIELDS } from '../../constants';
import { humanizeKey, readUssdTask } from '../../utils/attributes';
import { describeAnswer } from '../../utils/display';
import { DASH, formatLocalDateTime, formatRepeatTime } from '../../utils/format';
import { formatPhone } from '../../utils/phone';
import { readSafeWindow } from '../../utils/safeWindow';
import CallbackButton from '../CallbackButton/CallbackButton';
import SafeWindowNote from '../CallbackButton/SafeWindowNote';
import ReplyBox from '../ReplyBox/ReplyBox';
import PasteThemeScope from '../common/PasteThemeScope';
import SafeBoundary from '../common/SafeBoundary';

/**
 * One term/description pair of a <dl>, in two columns: every row has the same
 * grid, so terms and values line up down the panel. Long values (a session id,
 * a typed comment) wrap inside their column instead of overflowing the panel.
 */
const Row = ({ term, children, testId }) => (
  <Box
    as="div"
    display="grid"
    gridTemplateColumns="minmax(0, 2fr) minmax(0, 3fr)"
    columnGap="space40"
    paddingY="space20"
    borderBottomWidth="borderWidth10"
    borderBottomStyle="solid"
    borderBottomColor="colorBorderWeaker"
    data-testid={testId}
  >
    <Text as="dt" fontWeight="fontWeightSemibold" wordBreak="break-word">
      {term}
    </Text>
    <Text as="dd" marginLeft="space0" wordBreak="break-word">
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

const PRIMARY_LABEL_KEYS = PRIMARY_FIELDS.reduce((acc, field) => ({ ...acc, [field.key]: field.labelKey }), {});

const isPinned = (key) => Boolean(PRIMARY_LABEL_KEYS[key]);

/** The row title of an answer: the pinned field's name, else the humanised key, else "Answer n". */
const termOf = (answer, index) =>
  (isPinned(answer.key) && t(PRIMARY_LABEL_KEYS[answer.key])) ||
  humanizeKey(answer.key) ||
  t('UssdAnswerNumber', { number: index + 1 });

/** An answer as the agent reads it (see describeAnswer), as plain text. */
const answerAsText = (answer, callerLanguage) =>
  answer ? describeAnswer(answer, { pinned: isPinned(answer.key), callerLanguage }).text : '';

/**
 * The value of one answer, then in weak text the caller's own words when they
 * say something else ("Shelter (caller chose “Abri”)") or, for a custom
 * question, the canonical value ("Yes, urgently (urgent)"); never a repeat of
 * the same word in other case ("No", not "No (no)").
 */
const AnswerValue = ({ answer, callerLanguage, strong }) => {
  const { text, callerWords, code } = describeAnswer(answer, { pinned: isPinned(answer.key), callerLanguage });
  if (!text) {
    return <NotGiven />;
  }
  const extra = callerWords ? t('UssdCallerChose', { label: callerWords }) : code;
  return (
    <>
      {strong ? (
        <Text as="strong" fontWeight="fontWeightBold">
          {text}
        </Text>
      ) : (
        text
      )}
      {extra && <Weak>{` (${extra})`}</Weak>}
    </>
  );
};

const answerShape = PropTypes.shape({
  key: PropTypes.string,
  label: PropTypes.string,
  value: PropTypes.string,
});

AnswerValue.propTypes = {
  answer: answerShape.isRequired,
  callerLanguage: PropTypes.string,
  strong: PropTypes.bool,
};

AnswerValue.defaultProps = { callerLanguage: '', strong: false };

/** A line under a value saying what changed, in words (never only in a tooltip). */
const ChangeNote = ({ children, testId }) => (
  <Text
    as="span"
    display="block"
    color="colorTextWarningStrong"
    fontSize="fontSize20"
    lineHeight="lineHeight20"
    data-testid={testId}
  >
    {children}
  </Text>
);

ChangeNote.propTypes = { children: PropTypes.node.isRequired, testId: PropTypes.string };
ChangeNote.defaultProps = { testId: undefined };

/**
 * A latest answer at the top of the panel. When the caller asked more than once
 * and the value came from a later request, says which one and what it was
 * before: "changed in request 3, was “Legal”", or "added in request 2".
 */
const LatestValue = ({ answer, callerLanguage, requestCount }) => {
  const fromLater = requestCount > 1 && answer.since > 1;
  let note = '';
  if (fromLater) {
    note = answer.previous
      ? t('UssdChangedIn', { number: answer.since, previous: answerAsText(answer.previous, callerLanguage) })
      : t('UssdAddedIn', { number: answer.since });
  }
  return (
    <>
      <AnswerValue answer={answer} callerLanguage={callerLanguage} strong={fromLater && answer.since === requestCount} />
      {/* The space keeps the note a separate phrase for copy and screen readers; the note is a block. */}
      {note && ' '}
      {note && <ChangeNote testId="ussd-latest-change">{note}</ChangeNote>}
    </>
  );
};

LatestValue.propTypes = {
  answer: PropTypes.shape({
    key: PropTypes.string,
    label: PropTypes.string,
    value: PropTypes.string,
    since: PropTypes.number,
    previous: answerShape,
  }).isRequired,
  callerLanguage: PropTypes.string,
  requestCount: PropTypes.number.isRequired,
};

LatestValue.defaultProps = { callerLanguage: '' };

/** A sub-section title (Paste headings only take margin "space0", hence the Box). */
const SectionTitle = ({ children }) => (
  <Box marginTop="space50" marginBottom="space20">
    <Heading as="h3" variant="heading50" marginBottom="space0">
      {children}
    </Heading>
  </Box>
);

SectionTitle.propTypes = { children: PropTypes.node.isRequired };

const Unreadable = () => (
  <Box marginTop="space20">
    <Text as="p" color="colorTextWarningStrong" data-testid="ussd-answers-unreadable">
      {t('UssdAnswersUnreadable')}
    </Text>
  </Box>
);

/** "11:02" the same day as the first request, else date and time; '' without a time. */
const whenOf = (date, firstSubmittedAt, localeTag) => formatRepeatTime(date, firstSubmittedAt, localeTag).text;

const requestTitle = (request, firstSubmittedAt, localeTag) => {
  const when = whenOf(request.submittedAt, firstSubmittedAt, localeTag);
  return when
    ? t('UssdRequestTitle', { number: request.number, when })
    : t('UssdRequestTitleNoTime', { number: request.number });
};

/**
 * One request of a caller who asked more than once: its time, its answers, and
 * for each answer that differs from the caller's previous answer to the same
 * question, the value in bold and "was “…”" after it.
 */
const RequestSection = ({ request, firstSubmittedAt, localeTag, callerLanguage }) => {
  const title = requestTitle(request, firstSubmittedAt, localeTag);
  return (
    <Box
      as="section"
      aria-label={title}
      data-testid="ussd-request"
      data-request={request.number}
      marginTop="space40"
      paddingLeft="space40"
      borderLeftWidth="borderWidth20"
      borderLeftStyle="solid"
      borderLeftColor={request.number === 1 ? 'colorBorderWeak' : 'colorBorderWarningWeak'}
    >
      <Box marginBottom="space20">
        <Heading as="h4" variant="heading60" marginBottom="space0">
          {request.submittedAt ? <span title={request.submittedAt.toISOString()}>{title}</span> : title}
        </Heading>
      </Box>
      {request.answers.length > 0 && (
        <Box as="dl" margin="space0" data-testid="ussd-request-answers">
          {request.answers.map((answer, index) => (
            // eslint-disable-next-line react/no-array-index-key
            <Row key={`${answer.key}-${index}`} term={termOf(answer, index)}>
              <AnswerValue answer={answer} callerLanguage={callerLanguage} strong={answer.changed} />
              {answer.changed && ' '}
              {answer.changed && (
                <ChangeNote testId="ussd-changed">
                  {t('UssdWas', { value: answerAsText(answer.previous, callerLanguage) })}
                </ChangeNote>
              )}
            </Row>
          ))}
        </Box>
      )}
      {request.unreadable && <Unreadable />}
      {request.sessionId && (
        <Box marginTop="space10">
          <Text as="p" color="colorTextWeak" fontSize="fontSize20" wordBreak="break-word">
            {t('UssdRequestSession', { session: request.sessionId })}
          </Text>
        </Box>
      )}
    </Box>
  );
};

RequestSection.propTypes = {
  request: PropTypes.shape({
    number: PropTypes.number,
    submittedAt: PropTypes.instanceOf(Date),
    sessionId: PropTypes.string,
    unreadable: PropTypes.bool,
    answers: PropTypes.arrayOf(PropTypes.object),
  }).isRequired,
  firstSubmittedAt: PropTypes.instanceOf(Date),
  localeTag: PropTypes.string,
  callerLanguage: PropTypes.string,
};

RequestSection.defaultProps = {
  firstSubmittedAt: null,
  localeTag: undefined,
  callerLanguage: '',
};

/** "Asked 3 times" and what the top of the panel shows, for a caller who asked more than once. */
const AskedAgain = ({ count, latestAt, firstSubmittedAt, localeTag }) => {
  const when = whenOf(latestAt, firstSubmittedAt, localeTag);
  return (
    <Box marginBottom="space40" data-testid="ussd-asked-again">
      <Badge as="span" variant="warning">
        {t('UssdAskedTimes', { count })}
      </Badge>
      <Text as="p" color="colorTextWeak" fontSize="fontSize20" marginTop="space20">
        {when ? t('UssdLatestShown', { count, when }) : t('UssdLatestShownNoTime', { count })}
      </Text>
    </Box>
  );
};

AskedAgain.propTypes = {
  count: PropTypes.number.isRequired,
  latestAt: PropTypes.instanceOf(Date),
  firstSubmittedAt: PropTypes.instanceOf(Date),
  localeTag: PropTypes.string,
};

AskedAgain.defaultProps = { latestAt: null, firstSubmittedAt: null, localeTag: undefined };

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

const UssdTaskInfoContent = ({ task, showCallback, showReplies }) => {
  const request = readUssdTask(task);
  const safeWindow = readSafeWindow(task);
  const localeTag = getLocaleTag();
  const submitted = formatLocalDateTime(request.submittedAt, localeTag);
  const repeated = request.requestCount > 1;
  const callerLanguage = request.language;
  const shownPrimary = request.primary.filter((field) => field.present);
  const nothing = shownPrimary.length === 0 && request.otherAnswers.length === 0 && !request.answersUnreadable;

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

      {repeated && (
        <AskedAgain
          count={request.requestCount}
          latestAt={request.latestAt}
          firstSubmittedAt={request.submittedAt}
          localeTag={localeTag}
        />
      )}

      {shownPrimary.length > 0 && (
        <Box as="dl" margin="space0" data-testid="ussd-primary-answers">
          {shownPrimary.map((field) => (
            <Row key={field.key} term={t(field.labelKey)} testId={`ussd-field-${field.key}`}>
              <LatestValue answer={field} callerLanguage={callerLanguage} requestCount={request.requestCount} />
            </Row>
          ))}
        </Box>
      )}

      {safeWindow && <SafeWindowNote safeWindow={safeWindow} />}

      {showCallback && !request.simulation && request.wantsCallback && request.callable && (
        <CallbackButton task={task} number={request.from} safeWindow={safeWindow} />
      )}
      {!request.callable && (
        <Box marginBottom="space40" data-testid="ussd-not-callable">
          <Weak>{t('UssdNotCallable')}</Weak>
        </Box>
      )}

      {request.otherAnswers.length > 0 && (
        <>
          <SectionTitle>{t('UssdOtherAnswers')}</SectionTitle>
          <Box as="dl" margin="space0" data-testid="ussd-other-answers">
            {request.otherAnswers.map((answer, index) => (
              // eslint-disable-next-line react/no-array-index-key
              <Row key={`${answer.key}-${index}`} term={termOf(answer, index)}>
                <LatestValue answer={answer} callerLanguage={callerLanguage} requestCount={request.requestCount} />
              </Row>
            ))}
          </Box>
        </>
      )}

      {request.answersUnreadable && <Unreadable />}
      {nothing && <Weak>{t('UssdNoAnswers')}</Weak>}

      {showReplies && <ReplyBox task={task} />}

      <SectionTitle>{t('UssdDetails')}</SectionTitle>
      <Box as="dl" margin="space0" data-testid="ussd-details">
        <Row term={t('UssdFieldCaller')}>{orDash(formatPhone(request.caller))}</Row>
        <Row term={t('UssdFieldServiceCode')}>{orDash(request.serviceCode)}</Row>
        <Row term={t('UssdFieldMenu')}>{orDash(menuText)}</Row>
        <Row term={t(repeated ? 'UssdFieldFirstSubmittedAt' : 'UssdFieldSubmittedAt')}>
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

      {repeated && (
        <Box as="section" aria-label={t('UssdRequestsTitle', { count: request.requestCount })} data-testid="ussd-requests">
          <SectionTitle>{t('UssdRequestsTitle', { count: request.requestCount })}</SectionTitle>
          {[...request.requests].reverse().map((entry) => (
            <RequestSection
              key={entry.number}
              request={entry}
              firstSubmittedAt={request.submittedAt}
              localeTag={localeTag}
              callerLanguage={callerLanguage}
            />
          ))}
        </Box>
      )}
    </Box>
  );
};

UssdTaskInfoContent.propTypes = {
  task: PropTypes.object,
  showCallback: PropTypes.bool,
  showReplies: PropTypes.bool,
};

UssdTaskInfoContent.defaultProps = {
  task: undefined,
  showCallback: true,
  showReplies: true,
};

const Fallback = () => (
  <p data-testid="ussd-task-info-fallback" style={{ padding: '8px 0' }}>
    {t('UssdPanelError')}
  </p>
);

/**
 * The USSD request in the task info panel (agent and supervisor views): the
 * pinned answers the request has (language, location, support type, call back)
 * first, then every other answer of `answers`, in the agent's language or the
 * caller's own words; then caller, service code, menu, submission time (agent's
 * local time) and session. When the caller asked again while the task was open
 * (`updates`), the answers at the top are the latest ones, each saying in which
 * request it changed and what it was; every request follows at the bottom,
 * newest first. Then the caller's safe window for a call back, and the reply
 * box (agents and supervisors alike). `task` and `theme` are passed in by
 * Flex's TaskInfoPanel.
 */
const UssdTaskInfo = ({ task, theme, showCallback, showReplies }) => (
  <SafeBoundary fallback={<Fallback />}>
    <PasteThemeScope flexTheme={theme}>
      <UssdTaskInfoContent task={task} showCallback={showCallback} showReplies={showReplies} />
    </PasteThemeScope>
  </SafeBoundary>
);

UssdTaskInfo.displayName = 'UssdTaskInfo';

UssdTaskInfo.propTypes = {
  task: PropTypes.object,
  theme: PropTypes.object,
  showCallback: PropTypes.bool,
  showReplies: PropTypes.bool,
};

UssdTaskInfo.defaultProps = {
  task: undefined,
  theme: undefined,
  showCallback: true,
  showReplies: true,
};

export default UssdTaskInfo;
