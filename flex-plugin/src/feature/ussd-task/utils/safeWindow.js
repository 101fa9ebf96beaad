import { getAttributes, toText } from './attributes';

/*
 * The caller's safe window for a call back (DESIGN §4, §5): `callback_window`
 * (a canonical value such as "morning", "any", or "none": do not call, the
 * caller dials back), `callback_hours` ({"from": "08:00", "to": "12:00"}, the
 * caller's local hours; a window may cross midnight) and `caller_timezone`
 * (an IANA name). Only read here; the decision to call stays the agent's.
 */

export const WINDOW_ANY = 'any';
export const WINDOW_NONE = 'none';

const WINDOW_NAME_KEYS = {
  morning: 'UssdWindowMorning',
  afternoon: 'UssdWindowAfternoon',
  evening: 'UssdWindowEvening',
  night: 'UssdWindowNight',
};

/** The string key naming a canonical window, or '' for a value we have no words for. */
export const windowNameKey = (window) => WINDOW_NAME_KEYS[window] || '';

const HOUR_MINUTE = /^(\d{1,2}):(\d{2})$/;

/** "8:00" -> { text: "08:00", minutes: 480 }; "24:00" is the end of the day; anything else null. */
export const readHour = (value) => {
  const match = HOUR_MINUTE.exec(toText(value));
  if (!match) {
    return null;
  }
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes > 0)) {
    return null;
  }
  return { text: `${String(hours).padStart(2, '0')}:${match[2]}`, minutes: hours * 60 + minutes };
};

/** The safe window of a task, or null when the request says nothing about it. */
export const readSafeWindow = (task) => {
  const attributes = getAttributes(task);
  const window = toText(attributes.callback_window).toLowerCase();
  if (!window) {
    return null;
  }
  const given = attributes.callback_hours;
  const from = given && typeof given === 'object' ? readHour(given.from) : null;
  const to = given && typeof given === 'object' ? readHour(given.to) : null;
  return {
    window,
    hours: from && to ? { from, to } : null,
    zone: toText(attributes.caller_timezone),
  };
};

/**
 * The time it is for the caller, as "22:40" and minutes since midnight, or
 * null when the time zone is missing or not one this browser knows.
 */
export const callerLocalTime = (zone, now = new Date()) => {
  if (!zone) {
    return null;
  }
  try {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(now);
    const part = (type) => Number((parts.find((p) => p.type === type) || {}).value);
    const hours = part('hour') % 24;
    const minutes = part('minute');
    if (!Number.isInteger(hours) || !Number.isInteger(minutes)) {
      return null;
    }
    return { text: `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`, minutes: hours * 60 + minutes };
  } catch (e) {
    // RangeError: a time zone this browser does not know
    return null;
  }
};

/**
 * Inside [from, to) in minutes since midnight; when `from` is after `to` the
 * window crosses midnight (20:00–07:00). Equal ends mean the whole day.
 */
export const isInsideWindow = (minutes, from, to) => {
  if (from === to) {
    return true;
  }
  return from < to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
};

/**
 * Whether pressing "Call back" now needs a warning, and which:
 * - null: no window, "any", or inside the window: call at once;
 * - { reason: 'none', local }: the caller asked not to be called;
 * - { reason: 'unknown_zone' | 'no_zone' }: the caller's time cannot be known;
 * - { reason: 'no_hours', local }: a window without readable hours;
 * - { reason: 'outside', local }: outside the window.
 */
export const callbackWarning = (safeWindow, now = new Date()) => {
  if (!safeWindow || safeWindow.window === WINDOW_ANY) {
    return null;
  }
  const local = callerLocalTime(safeWindow.zone, now);
  if (safeWindow.window === WINDOW_NONE) {
    return { reason: 'none', local };
  }
  if (!local) {
    return { reason: safeWindow.zone ? 'unknown_zone' : 'no_zone', local: null };
  }
  if (!safeWindow.hours) {
    return { reason: 'no_hours', local };
  }
  const { from, to } = safeWindow.hours;
  return isInsideWindow(local.minutes, from.minutes, to.minutes) ? null : { reason: 'outside', local };
};

/** Where "now" comes from; tests set another clock. */
export const clock = { now: () => new Date() };
