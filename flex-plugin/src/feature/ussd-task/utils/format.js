import { getLocaleTag, t } from '../strings';
import { readUssdTask } from './attributes';
import { describeAnswer } from './display';
import { formatPhone } from './phone';

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

/** The latest location and support type as the panel shows them, and how often the caller asked. */
const latestSummary = (task) => {
  const request = readUssdTask(task);
  const field = (key) => request.primary.find((candidate) => candidate.key === key);
  const parts = ['location', 'support_type']
    .map(field)
    .filter((found) => found && found.value)
    .map((found) => describeAnswer(found, { pinned: true, callerLanguage: request.language }).text);
  const count = request.requestCount > 1 ? t('UssdAskedTimesShort', { count: request.requestCount }) : '';
  return { parts, count };
};

/**
 * "USSD · Dakar · Shelter" (the task list line), with the latest answers when the
 * caller asked again: "USSD · Touba · Food and clothing · asked 3 times".
 * Missing parts are skipped.
 */
export const taskListLine = (task) => {
  const { parts, count } = latestSummary(task);
  return [t('UssdChannelName'), ...parts, count].filter(Boolean).join(SEPARATOR);
};

/** The caller's number, grouped as its country writes it (or the task name), for titles and headers. */
export const callerLine = (task) => formatPhone(readUssdTask(task).caller) || t('UssdUnknownCaller');

/** "USSD request from +221 77 123 45 67" for the incoming-task canvas. */
export const incomingLine = (task) => t('UssdIncomingLine', { caller: callerLine(task) });

/** "Dakar · Shelter" for second lines; "USSD" when neither is known. */
export const summaryLine = (task) => {
  const { parts, count } = latestSummary(task);
  return parts.length ? [...parts, count].filter(Boolean).join(SEPARATOR) : t('UssdChannelName');
};
