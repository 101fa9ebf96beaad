import { getLocaleTag, t } from '../strings';
import { readUssdTask } from './attributes';

export const DASH = '—';
const SEPARATOR = ' · ';

/**
 * Formats a Date in the agent's local time zone and locale, e.g.
 * "24 Nov 2026, 10:15". Returns '' for a missing date.
 */
const isValidDate = (date) => date instanceof Date && !Number.isNaN(date.getTime());

const format = (date, localeTag, options) => {
  try {
    return new Intl.DateTimeFormat(localeTag || getLocaleTag(), options).format(date);
  } catch (e) {
    try {
      return new Intl.DateTimeFormat(undefined, options).format(date);
    } catch (e2) {
      return date.toString();
    }
  }
};

export const formatLocalDateTime = (date, localeTag) =>
  isValidDate(date) ? format(date, localeTag, { dateStyle: 'medium', timeStyle: 'short' }) : '';

/** Same calendar day in the agent's (the browser's) time zone. */
const sameLocalDay = (a, b) => isValidDate(a) && isValidDate(b) && a.toDateString() === b.toDateString();

/**
 * When a repeat request arrived, in the agent's local time: just the time
 * ("11:02 AM", "11:02") when it came the same day as the first request, else
 * date and time. Returns { text: '', withDate: false } for a missing date.
 */
export const formatRepeatTime = (date, firstSubmittedAt, localeTag) => {
  if (!isValidDate(date)) {
    return { text: '', withDate: false };
  }
  if (sameLocalDay(date, firstSubmittedAt)) {
    return { text: format(date, localeTag, { timeStyle: 'short' }), withDate: false };
  }
  return { text: formatLocalDateTime(date, localeTag), withDate: true };
};

/** "USSD · Dakar · Shelter" (the task list line); missing parts are skipped. */
export const taskListLine = (task) => {
  const { location, supportType } = readUssdTask(task);
  return [t('UssdChannelName'), location, supportType].filter(Boolean).join(SEPARATOR);
};

/** The caller's number (or task name) for list titles and headers. */
export const callerLine = (task) => readUssdTask(task).caller || t('UssdUnknownCaller');

/** "USSD request from +221771234567" for the incoming-task canvas. */
export const incomingLine = (task) => t('UssdIncomingLine', { caller: callerLine(task) });

/** "Dakar · Shelter" for second lines; "USSD" when neither is known. */
export const summaryLine = (task) => {
  const { location, supportType } = readUssdTask(task);
  const parts = [location, supportType].filter(Boolean);
  return parts.length ? parts.join(SEPARATOR) : t('UssdChannelName');
};
