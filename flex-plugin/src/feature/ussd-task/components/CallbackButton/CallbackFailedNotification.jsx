import React from 'react';
import PropTypes from 'prop-types';

import { t } from '../../strings';

/** Content of the Flex notification shown when StartOutboundCall fails. */
const CallbackFailedNotification = ({ notificationContext }) => (
  <span>{t('UssdCallBackFailed', { number: (notificationContext && notificationContext.number) || '' })}</span>
);

CallbackFailedNotification.propTypes = {
  notificationContext: PropTypes.shape({ number: PropTypes.string }),
};

CallbackFailedNotification.defaultProps = {
  notificationContext: undefined,
};

export default CallbackFailedNotification;
