import React from 'react';
import PropTypes from 'prop-types';
import { Box } from '@twilio-paste/core/box';
import { Text } from '@twilio-paste/core/text';

import { t } from '../../strings';
import { WINDOW_NONE } from '../../utils/safeWindow';
import { safeWindowLine } from './safeWindowText';

/**
 * When the caller said it is safe to call them ("Safe to call: morning
 * (08:00–12:00 caller's time)", or "Do not call: the caller will dial back."),
 * with their time zone. Agents and supervisors both see it.
 */
const SafeWindowNote = ({ safeWindow }) => {
  const none = safeWindow.window === WINDOW_NONE;
  return (
    <Box marginTop="space30" data-testid="ussd-safe-window">
      <Text
        as="p"
        fontWeight="fontWeightSemibold"
        color={none ? 'colorTextWarningStrong' : 'colorText'}
      >
        {safeWindowLine(safeWindow)}
      </Text>
      {safeWindow.zone && (
        <Text as="p" color="colorTextWeak" fontSize="fontSize20">
          {t('UssdSafeWindowZone', { zone: safeWindow.zone })}
        </Text>
      )}
    </Box>
  );
};

SafeWindowNote.propTypes = {
  safeWindow: PropTypes.shape({
    window: PropTypes.string.isRequired,
    zone: PropTypes.string,
    hours: PropTypes.object,
  }).isRequired,
};

export default SafeWindowNote;
