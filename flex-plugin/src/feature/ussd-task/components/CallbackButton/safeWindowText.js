import { t } from '../../strings';
import { WINDOW_ANY, WINDOW_NONE, windowNameKey } from '../../utils/safeWindow';

/** "morning" in the agent's language; a value we have no words for as it came. */
export const windowName = (safeWindow) => {
  const key = windowNameKey(safeWindow.window);
  return key ? t(key) : safeWindow.window;
};

/** "morning (08:00–12:00)", or just the name when the hours are unknown. */
export const windowWithHours = (safeWindow) =>
  safeWindow.hours
    ? `${windowName(safeWindow)} (${safeWindow.hours.from.text}–${safeWindow.hours.to.text})`
    : windowName(safeWindow);

/** The line under the answers: "Safe to call: morning (08:00–12:00 caller's time)". */
export const safeWindowLine = (safeWindow) => {
  if (safeWindow.window === WINDOW_ANY) {
    return t('UssdSafeWindowAny');
  }
  if (safeWindow.window === WINDOW_NONE) {
    return t('UssdSafeWindowNone');
  }
  if (safeWindow.hours) {
    return t('UssdSafeWindow', {
      window: windowName(safeWindow),
      from: safeWindow.hours.from.text,
      to: safeWindow.hours.to.text,
    });
  }
  return t('UssdSafeWindowNoHours', { window: windowName(safeWindow) });
};

/** Heading and body of the confirmation asked before calling, for a callbackWarning(). */
export const warningText = (safeWindow, warning) => {
  const time = warning.local ? warning.local.text : '';
  switch (warning.reason) {
    case 'none':
      return {
        heading: t('UssdWarnNoneTitle'),
        body: time ? t('UssdWarnNone', { time }) : t('UssdWarnNoneUnknownTime'),
      };
    case 'unknown_zone':
      return {
        heading: t('UssdWarnUnknownTitle'),
        body: t('UssdWarnUnknownZone', { zone: safeWindow.zone, window: windowWithHours(safeWindow) }),
      };
    case 'no_zone':
      return {
        heading: t('UssdWarnUnknownTitle'),
        body: t('UssdWarnNoZone', { window: windowWithHours(safeWindow) }),
      };
    case 'no_hours':
      return {
        heading: t('UssdWarnBadHoursTitle'),
        body: t('UssdWarnBadHours', { window: windowName(safeWindow), time }),
      };
    default:
      return {
        heading: t('UssdWarnOutsideTitle'),
        body: t('UssdWarnOutside', { time, from: safeWindow.hours.from.text, to: safeWindow.hours.to.text }),
      };
  }
};
