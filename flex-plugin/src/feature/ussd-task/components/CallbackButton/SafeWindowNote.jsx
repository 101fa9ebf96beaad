import React, { useEffect, useState } from 'react';
import PropTypes from 'prop-types';
import { Box } from '@twilio-paste/core/box';
import { Text } from '@twilio-paste/core/text';

import { t } from '../../strings';
import { WINDOW_ANY, WINDOW_NONE, callerLocalTime, clock } from '../../utils/safeWindow';
import { safeWindowLine } from './safeWindowText';

/** How often the caller's local time shown under the window is brought up to date. */
export const LOCAL_TIME_REFRESH_MS = 30000;

const zoneLine = (zone, local) => {
  if (!zone) {
    return t('UssdSafeWindowNoZone');
  }
  return local ? t('UssdSafeWindowZone', { zone, time: local.text }) : t('UssdSafeWindowZoneUnknown', { zone });
};

/**
 * When the caller said it is safe to call them ("Safe to call: morning
 * (08:00–12:00 caller's time)", or "Do not call: the caller will dial back."),
 * with their time zone and the time it is there now (kept current while the
 * panel is open). Agents and supervisors both see it.
 */
const SafeWindowNote = ({ safeWindow }) => {
  const [now, setNow] = useState(() => clock.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(clock.now()), LOCAL_TIME_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const none = safeWindow.window === WINDOW_NONE;
  // "Any time" needs no clock; say nothing about a zone the agent does not need.
  const showZone = safeWindow.window !== WINDOW_ANY || Boolean(safeWindow.zone);
  return (
    <Box marginTop="space30" data-testid="ussd-safe-window">
      <Text as="p" fontWeight="fontWeightSemibold" color={none ? 'colorTextWarningStrong' : 'colorText'}>
        {safeWindowLine(safeWindow)}
      </Text>
      {showZone && (
        <Text as="p" color="colorTextWeak" fontSize="fontSize20" data-testid="ussd-caller-time">
          {zoneLine(safeWindow.zone, callerLocalTime(safeWindow.zone, now))}
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
