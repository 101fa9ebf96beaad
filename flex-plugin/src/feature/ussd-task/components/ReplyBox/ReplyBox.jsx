import React, { useEffect, useRef, useState } from 'react';
import PropTypes from 'prop-types';
import { Alert } from '@twilio-paste/core/alert';
import { Badge } from '@twilio-paste/core/badge';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Heading } from '@twilio-paste/core/heading';
import { HelpText } from '@twilio-paste/core/help-text';
import { Label } from '@twilio-paste/core/label';
import { Option, Select } from '@twilio-paste/core/select';
import { Text } from '@twilio-paste/core/text';
import { TextArea } from '@twilio-paste/core/textarea';
import { useUID } from '@twilio-paste/core/uid-library';

import { getServiceUrl } from '../../api/config';
import { ERROR_KINDS } from '../../api/replies';
import { getLocaleTag, getManager, t } from '../../strings';
import { getAttributes, toText } from '../../utils/attributes';
import { languageName } from '../../utils/display';
import { formatRepeatTime } from '../../utils/format';
import { DEFAULT_LIMITS, gsm7Spelling, measureReply, normalizeReply, suggestGsm7 } from '../../utils/gsm';
import useReplies from './useReplies';

/** What went wrong, in words the agent can act on. */
export const errorMessage = (error) => {
  const kind = error && error.kind;
  switch (kind) {
    case ERROR_KINDS.unauthorized:
      return t('UssdErrorUnauthorized');
    case ERROR_KINDS.forbidden:
      return t('UssdErrorForbidden');
    case ERROR_KINDS.network:
      return t('UssdErrorNetwork');
    case ERROR_KINDS.invalid:
      return error.reason ? t('UssdErrorInvalid', { reason: error.reason }) : t('UssdErrorInvalidNoReason');
    case ERROR_KINDS.notFound:
      return t('UssdErrorNotFound');
    case ERROR_KINDS.rateLimited:
      return t('UssdErrorRateLimited');
    case ERROR_KINDS.unavailable:
      return t('UssdErrorUnavailable');
    default:
      return t('UssdErrorServer', { status: (error && error.status) || '—' });
  }
};

/** "14:05" today, else date and time, in the agent's locale and time zone. */
const when = (date, localeTag) => formatRepeatTime(date, new Date(), localeTag).text;

/** The task's `reply_status` and `reply_read_at` attributes, as one value that changes when either does. */
const replyStatusOf = (task) => {
  const attributes = getAttributes(task);
  return `${toText(attributes.reply_status).toLowerCase()} ${toText(attributes.reply_read_at)}`.trim();
};

/** The task's `reply_status` attribute ("waiting" / "read"), shown even when replies are not configured. */
const ReplyStatusBadge = ({ task }) => {
  const status = toText(getAttributes(task).reply_status).toLowerCase();
  if (status !== 'waiting' && status !== 'read') {
    return null;
  }
  return (
    <Box marginBottom="space20" data-testid="ussd-reply-status">
      <Badge as="span" variant={status === 'read' ? 'success' : 'warning'}>
        {t(status === 'read' ? 'UssdReplyStatusRead' : 'UssdReplyStatusWaiting')}
      </Badge>
    </Box>
  );
};

ReplyStatusBadge.propTypes = { task: PropTypes.object };
ReplyStatusBadge.defaultProps = { task: undefined };

const ReplyItem = ({ reply, localeTag }) => {
  const sent = reply.createdAt ? when(reply.createdAt, localeTag) : '';
  let meta = '';
  if (sent) {
    meta = reply.by ? t('UssdReplySentBy', { when: sent, by: reply.by }) : t('UssdReplySentAt', { when: sent });
  }
  let status;
  if (reply.status === 'read') {
    status = reply.readAt ? t('UssdReplyReadAt', { when: when(reply.readAt, localeTag) }) : t('UssdReplyRead');
  } else {
    status = t('UssdReplyWaiting');
  }
  return (
    <Box
      as="li"
      paddingY="space30"
      borderBottomWidth="borderWidth10"
      borderBottomStyle="solid"
      borderBottomColor="colorBorderWeaker"
      data-testid="ussd-reply"
      data-status={reply.status}
    >
      <Text as="p" whiteSpace="pre-wrap" wordBreak="break-word">
        {reply.text}
      </Text>
      <Box display="flex" flexWrap="wrap" alignItems="center" columnGap="space30" rowGap="space10" marginTop="space20">
        <Badge as="span" variant={reply.status === 'read' ? 'success' : 'warning'}>
          {status}
        </Badge>
        {meta && (
          <Text as="span" color="colorTextWeak" fontSize="fontSize20">
            {meta}
          </Text>
        )}
      </Box>
    </Box>
  );
};

ReplyItem.propTypes = {
  reply: PropTypes.shape({
    text: PropTypes.string,
    status: PropTypes.string,
    createdAt: PropTypes.instanceOf(Date),
    readAt: PropTypes.instanceOf(Date),
    by: PropTypes.string,
  }).isRequired,
  localeTag: PropTypes.string,
};

ReplyItem.defaultProps = { localeTag: undefined };

/** "42 / 450 characters · 1 of 3 screens", the UCS-2 cost in words, or "Too long". */
const counterText = (measure) => {
  const values = {
    used: measure.used,
    max: measure.max,
    screens: measure.screens,
    maxScreens: measure.maxScreens,
    perScreen: measure.perScreen,
    chars: measure.forcing
      .slice(0, 3)
      .map((character) => t('UssdQuotedCharacter', { character }))
      .join(', '),
  };
  if (measure.over) {
    return t('UssdReplyTooLong', values);
  }
  if (measure.refused) {
    return t('UssdReplyRefusedCharacters');
  }
  return measure.encoding === 'UCS-2' ? t('UssdReplyCounterUcs2', values) : t('UssdReplyCounter', values);
};

const ReplyForm = ({ taskSid, baseUrl, manager, fetchImpl, taskReplyStatus }) => {
  const { loading, data, error, load, send, isMounted } = useReplies({ baseUrl, taskSid, manager, fetchImpl });
  // The server updates the task's reply_status when the caller reads: show it now, not at the next poll.
  const seenStatus = useRef(taskReplyStatus);
  useEffect(() => {
    if (seenStatus.current !== taskReplyStatus) {
      seenStatus.current = taskReplyStatus;
      load();
    }
  }, [taskReplyStatus, load]);
  const [draft, setDraft] = useState('');
  const [canned, setCanned] = useState('');
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState(false);
  const [sendError, setSendError] = useState(null);
  // A second click before React re-renders the disabled button must not send twice.
  const sendingNow = useRef(false);
  const cannedId = useUID();
  const replyId = useUID();
  const counterId = useUID();
  const localeTag = getLocaleTag();

  const limits = (data && data.limits) || DEFAULT_LIMITS;
  // Measured and sent as the server will store it, so the counter and the server agree.
  const text = normalizeReply(draft);
  const measure = measureReply(text, limits);
  const canSend = !sending && !measure.empty && !measure.over && !measure.refused;
  // A French "reçu" or a curly apostrophe cuts a screen to a third; offer the GSM-7 spelling.
  const gsm7 = measure.encoding === 'UCS-2' && !measure.refused ? suggestGsm7(text) : null;
  const cannedReplies = (data && data.canned) || [];
  // the canned replies' own language: English ones are sent when none is in the caller's
  const cannedLanguage = data && (data.canned_language || data.language);
  const language = cannedLanguage ? languageName(cannedLanguage, localeTag) || cannedLanguage : '';

  const onCanned = (event) => {
    // ids are numbers in the service's JSON, strings in the select
    const chosen = cannedReplies.find((entry) => String(entry.id) === event.target.value);
    setCanned(event.target.value);
    if (chosen) {
      setDraft(chosen.text);
      setSent(false);
    }
  };

  const onSend = async () => {
    if (sendingNow.current || !canSend) {
      return;
    }
    sendingNow.current = true;
    setSending(true);
    setSent(false);
    setSendError(null);
    try {
      await send(text);
      if (isMounted()) {
        setDraft('');
        setCanned('');
        setSent(true);
      }
      await load();
    } catch (failure) {
      if (failure && failure.name !== 'AbortError' && isMounted()) {
        setSendError(failure);
      }
    } finally {
      sendingNow.current = false;
      if (isMounted()) {
        setSending(false);
      }
    }
  };

  const replies = (data && data.replies) || [];

  return (
    <>
      {cannedReplies.length > 0 && (
        <Box marginBottom="space30">
          <Label htmlFor={cannedId}>
            {language ? t('UssdCannedLabel', { language }) : t('UssdCannedLabelNoLanguage')}
          </Label>
          <Select id={cannedId} value={canned} onChange={onCanned} data-testid="ussd-canned">
            <Option value="">{t('UssdCannedPlaceholder')}</Option>
            {cannedReplies.map((entry) => (
              <Option key={entry.id} value={entry.id}>
                {entry.title}
              </Option>
            ))}
          </Select>
        </Box>
      )}
      <Label htmlFor={replyId}>{t('UssdReplyLabel')}</Label>
      <TextArea
        id={replyId}
        value={draft}
        onChange={(event) => {
          setDraft(event.target.value);
          setSent(false);
        }}
        aria-describedby={counterId}
        hasError={measure.over || measure.refused}
        disabled={sending}
        resize="vertical"
      />
      <HelpText
        id={counterId}
        variant={measure.over || measure.refused ? 'error' : 'default'}
        data-testid="ussd-reply-counter"
      >
        {counterText(measure)}
      </HelpText>
      {gsm7 && (
        <Box marginTop="space20">
          <Button
            variant="link"
            size="small"
            disabled={sending}
            onClick={() => {
              setDraft(gsm7);
              setSent(false);
            }}
          >
            {t('UssdReplyUseGsm7', {
              changes: measure.forcing
                .slice(0, 3)
                .map((character) => `${character} → ${gsm7Spelling(character)}`)
                .join(', '),
              perScreen: limits.screen.gsm7,
            })}
          </Button>
        </Box>
      )}
      <Box marginTop="space30">
        <Button
          variant="primary"
          size="small"
          onClick={onSend}
          disabled={!canSend}
          loading={sending}
          data-testid="ussd-reply-send"
        >
          {t('UssdReplySend')}
        </Button>
      </Box>
      {/* Always in the page, so screen readers announce what is put in it. */}
      <Text as="p" role="status" color="colorTextSuccess" marginTop={sent || sending ? 'space20' : 'space0'}>
        {sending ? t('UssdReplySending') : ''}
        {!sending && sent ? t('UssdReplySent') : ''}
      </Text>
      {sendError && (
        <Box marginTop="space30" data-testid="ussd-reply-send-error">
          <Alert variant="error" i18nErrorLabel={t('UssdErrorLabel')}>
            <Text as="span">{t('UssdReplySendFailed', { reason: errorMessage(sendError) })}</Text>
          </Alert>
        </Box>
      )}

      <Box as="section" aria-label={t('UssdRepliesTitle', { count: replies.length })} marginTop="space50">
        <Heading as="h4" variant="heading60" marginBottom="space0">
          {t('UssdRepliesTitle', { count: replies.length })}
        </Heading>
        {error && (
          <Box marginTop="space20" data-testid="ussd-replies-load-error">
            <Alert variant="warning" i18nWarningLabel={t('UssdWarningLabel')}>
              <Text as="span">{t('UssdRepliesLoadFailed', { reason: errorMessage(error) })}</Text>
            </Alert>
          </Box>
        )}
        {loading && !data && (
          <Text as="p" color="colorTextWeak" marginTop="space20">
            {t('UssdRepliesLoading')}
          </Text>
        )}
        {!loading && data && replies.length === 0 && (
          <Text as="p" color="colorTextWeak" marginTop="space20">
            {t('UssdRepliesNone')}
          </Text>
        )}
        {replies.length > 0 && (
          <Box as="ol" margin="space0" padding="space0" listStyleType="none" data-testid="ussd-replies">
            {replies.map((reply, index) => (
              // eslint-disable-next-line react/no-array-index-key
              <ReplyItem key={reply.id === undefined ? `reply-${index}` : String(reply.id)} reply={reply} localeTag={localeTag} />
            ))}
          </Box>
        )}
      </Box>
    </>
  );
};

ReplyForm.propTypes = {
  taskSid: PropTypes.string.isRequired,
  baseUrl: PropTypes.string.isRequired,
  manager: PropTypes.object,
  fetchImpl: PropTypes.func,
  taskReplyStatus: PropTypes.string,
};

ReplyForm.defaultProps = { manager: undefined, fetchImpl: undefined, taskReplyStatus: '' };

/**
 * Reply to the caller through USSD (DESIGN §5b): a canned reply in the
 * caller's language or free text, a counter in characters and screens by the
 * server's GSM-7/UCS-2 rules, Send, and this task's replies with their status.
 * With no service URL configured it says so and does nothing else.
 */
const ReplyBox = ({ task, serviceUrl, manager, fetchImpl }) => {
  const baseUrl = serviceUrl === undefined ? getServiceUrl() : serviceUrl;
  const taskSid = toText(task && task.taskSid);
  return (
    <Box as="section" aria-label={t('UssdReplyTitle')} data-testid="ussd-reply-box">
      <Box marginTop="space50" marginBottom="space20">
        <Heading as="h3" variant="heading50" marginBottom="space0">
          {t('UssdReplyTitle')}
        </Heading>
      </Box>
      <ReplyStatusBadge task={task} />
      {!baseUrl && (
        <Text as="p" color="colorTextWeak" data-testid="ussd-reply-not-configured">
          {t('UssdReplyNotConfigured')}
        </Text>
      )}
      {/* A task without a sid (never from Flex) cannot be replied to: only the status shows. */}
      {baseUrl && taskSid && (
        <>
          <Text as="p" color="colorTextWeak" fontSize="fontSize20" marginBottom="space30">
            {t('UssdReplyIntro')}
          </Text>
          <ReplyForm
            taskSid={taskSid}
            baseUrl={baseUrl}
            manager={manager || getManager()}
            fetchImpl={fetchImpl}
            taskReplyStatus={replyStatusOf(task)}
          />
        </>
      )}
    </Box>
  );
};

ReplyBox.propTypes = {
  task: PropTypes.object,
  serviceUrl: PropTypes.string,
  manager: PropTypes.object,
  fetchImpl: PropTypes.func,
};

ReplyBox.defaultProps = {
  task: undefined,
  serviceUrl: undefined,
  manager: undefined,
  fetchImpl: undefined,
};

export default ReplyBox;
