import React, { useEffect, useRef, useState } from 'react';
import PropTypes from 'prop-types';
import { Actions, Notifications } from '@twilio/flex-ui';
import { Alert } from '@twilio-paste/core/alert';
import { AlertDialog } from '@twilio-paste/core/alert-dialog';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Text } from '@twilio-paste/core/text';
import { CallOutgoingIcon } from '@twilio-paste/icons/esm/CallOutgoingIcon';

import { CALLBACK_FAILED_NOTIFICATION } from '../../constants';
import { t } from '../../strings';
import { callbackTaskAttributes } from '../../utils/attributes';
import { errorSummary } from '../../utils/errors';
import { formatPhone } from '../../utils/phone';
import { callbackWarning, clock } from '../../utils/safeWindow';
import { warningText } from './safeWindowText';

const STATUS = { idle: 'idle', pending: 'pending', started: 'started', failed: 'failed' };

const showFailureNotification = (number) => {
  try {
    if (Notifications && typeof Notifications.showNotification === 'function') {
      Notifications.showNotification(CALLBACK_FAILED_NOTIFICATION, { number });
    }
  } catch (e) {
    // the inline message below is shown anyway
  }
};

/**
 * "Call back" for a caller who asked for one: starts a Flex outbound call to
 * the caller's number, carrying the USSD answers on the new voice task.
 *
 * One call per click: while Flex starts the call the button is disabled and
 * says so ("Starting the call…"); once Flex has started it, the outcome is said
 * in words and the button gives way to a deliberate "Call again". When Flex
 * refuses (typically outbound calling is not enabled), the reason is shown
 * inline and as a Flex notification, and the button can be tried again.
 * Outside the caller's safe window, or when they asked not to be called, a
 * Paste AlertDialog gives the caller's local time and the call starts only
 * once the agent confirms.
 */
const CallbackButton = ({ task, number, safeWindow }) => {
  const [status, setStatus] = useState(STATUS.idle);
  // The confirmation asked before calling outside the caller's safe window ({heading, body}), or null.
  const [warning, setWarning] = useState(null);
  const mounted = useRef(true);
  // A second click before React re-renders the disabled button must not start a second call.
  const starting = useRef(false);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  if (!number) {
    return (
      <Text as="p" color="colorTextWeak" marginTop="space30">
        {t('UssdCallBackNoNumber')}
      </Text>
    );
  }

  const shown = formatPhone(number);

  const startCall = async () => {
    if (starting.current) {
      return;
    }
    starting.current = true;
    setStatus(STATUS.pending);
    try {
      // Promise.resolve().then(...) also turns a synchronous throw into a rejection.
      await Promise.resolve().then(() =>
        Actions.invokeAction('StartOutboundCall', {
          destination: number,
          taskAttributes: callbackTaskAttributes(task),
        }),
      );
      if (mounted.current) {
        setStatus(STATUS.started);
      }
    } catch (error) {
      // eslint-disable-next-line no-console
      console.warn('[plugin-ussd] StartOutboundCall failed:', errorSummary(error));
      showFailureNotification(shown);
      if (mounted.current) {
        setStatus(STATUS.failed);
      }
    } finally {
      starting.current = false;
    }
  };

  // Outside the caller's safe window (or when they asked not to be called, or
  // their time cannot be known) the agent confirms first; otherwise call at once.
  const onClick = () => {
    if (starting.current) {
      return;
    }
    const found = callbackWarning(safeWindow, clock.now());
    if (found) {
      setWarning(warningText(safeWindow, found));
      return;
    }
    startCall();
  };

  const onConfirm = () => {
    setWarning(null);
    startCall();
  };

  const pending = status === STATUS.pending;
  let message = '';
  if (pending) {
    message = t('UssdCallBackStarting');
  } else if (status === STATUS.started) {
    message = t('UssdCallBackStarted', { number: shown });
  }

  return (
    <Box marginTop="space40" data-testid="ussd-callback">
      {status !== STATUS.started && (
        <Button variant="primary" size="small" onClick={onClick} loading={pending} disabled={pending}>
          <CallOutgoingIcon decorative />
          {t('UssdCallBack', { number: shown })}
        </Button>
      )}
      {/* Always in the page, so screen readers announce what is put in it. */}
      <Text
        as="p"
        role="status"
        color={status === STATUS.started ? 'colorTextSuccess' : 'colorTextWeak'}
        fontWeight={status === STATUS.started ? 'fontWeightSemibold' : 'fontWeightNormal'}
        marginTop={message && status !== STATUS.started ? 'space20' : 'space0'}
      >
        {message}
      </Text>
      {status === STATUS.started && (
        <Box marginTop="space20">
          <Button variant="secondary" size="small" onClick={onClick}>
            <CallOutgoingIcon decorative />
            {t('UssdCallBackAgain')}
          </Button>
        </Box>
      )}
      {warning && (
        <AlertDialog
          heading={warning.heading}
          isOpen
          destructive
          onConfirm={onConfirm}
          onConfirmLabel={t('UssdWarnConfirm')}
          onDismiss={() => setWarning(null)}
          onDismissLabel={t('UssdWarnCancel')}
          data-testid="ussd-callback-warning"
        >
          {warning.body}
        </AlertDialog>
      )}
      {status === STATUS.failed && (
        <Box marginTop="space30">
          <Alert variant="error" i18nErrorLabel={t('UssdErrorLabel')}>
            <Text as="span">{t('UssdCallBackFailed', { number: shown })}</Text>
          </Alert>
        </Box>
      )}
    </Box>
  );
};

CallbackButton.propTypes = {
  task: PropTypes.object,
  number: PropTypes.string,
  safeWindow: PropTypes.shape({
    window: PropTypes.string.isRequired,
    zone: PropTypes.string,
    hours: PropTypes.object,
  }),
};

CallbackButton.defaultProps = {
  task: undefined,
  number: '',
  safeWindow: null,
};

export default CallbackButton;
