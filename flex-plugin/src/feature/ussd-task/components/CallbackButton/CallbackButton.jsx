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
 * the caller's number, carrying the USSD answers on the new voice task. When
 * Flex refuses (typically outbound calling is not enabled), the reason is shown
 * inline and as a Flex notification.
 */
const CallbackButton = ({ task, number }) => {
  const [status, setStatus] = useState(STATUS.idle);
  const mounted = useRef(true);
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

  const onClick = async () => {
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
      showFailureNotification(number);
      if (mounted.current) {
        setStatus(STATUS.failed);
      }
    }
  };

  return (
    <Box marginTop="space40">
      <Button variant="primary" size="small" onClick={onClick} loading={status === STATUS.pending}>
        <CallOutgoingIcon decorative />
        {t('UssdCallBack', { number })}
      </Button>
      {status === STATUS.started && (
        <Text as="p" role="status" color="colorTextWeak" marginTop="space20">
          {t('UssdCallBackStarted', { number })}
        </Text>
      )}
      {status === STATUS.failed && (
        <Box marginTop="space30">
          <Alert variant="error" i18nErrorLabel={t('UssdErrorLabel')}>
            <Text as="span">{t('UssdCallBackFailed', { number })}</Text>
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
