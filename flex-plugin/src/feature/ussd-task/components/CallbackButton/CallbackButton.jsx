import React, { useEffect, useRef, useState } from 'react';
import PropTypes from 'prop-types';
import { Actions, Notifications } from '@twilio/flex-ui';
import { Alert } from '@twilio-paste/core/alert';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Text } from '@twilio-paste/core/text';
import { CallOutgoingIcon } from '@twilio-paste/icons/esm/CallOutgoingIcon';

import { CALLBACK_FAILED_NOTIFICATION } from '../../constants';
import { t } from '../../strings';
import { callbackTaskAttributes } from '../../utils/attributes';
import { errorSummary } from '../../utils/errors';
import { formatPhone } from '../../utils/phone';

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
 */
const CallbackButton = ({ task, number }) => {
  const [status, setStatus] = useState(STATUS.idle);
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

  const onClick = async () => {
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
};

CallbackButton.defaultProps = {
  task: undefined,
  number: '',
};

export default CallbackButton;
