import { PRIMARY_FIELDS } from '../constants';

const PRIMARY_KEYS = PRIMARY_FIELDS.map((field) => field.key);

/** Turns any attribute value into display text, or '' when there is nothing to show. */
export const toText = (value) => {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value.trim();
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? String(value) : '';
  }
  if (typeof value === 'boolean') {
    return value ? 'Yes' : 'No';
  }
  return '';
};

/** Task attributes as a plain object, whatever the task looks like. */
export const getAttributes = (task) => {
  const attributes = task && task.attributes;
  if (attributes && typeof attributes === 'object' && !Array.isArray(attributes)) {
    return attributes;
  }
  if (typeof attributes === 'string') {
    try {
      const parsed = JSON.parse(attributes);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return parsed;
      }
    } catch (e) {
      // not JSON: fall through
    }
  }
  return {};
};

/**
 * Normalises `answers` to a list of {key, label, value} strings. Anything that is
 * not an array yields []; entries that are neither objects nor plain values are
 * dropped; a bare string or number becomes an answer without a key.
 */
export const normalizeAnswers = (answers) => {
  if (!Array.isArray(answers)) {
    return [];
  }
  return answers.reduce((list, entry) => {
    if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
      const key = toText(entry.key);
      const label = toText(entry.label);
      const value = toText(entry.value);
      if (key || label || value) {
        list.push({ key, label, value });
      }
    } else {
      const text = toText(entry);
      if (text && typeof entry !== 'boolean') {
        list.push({ key: '', label: text, value: text });
      }
    }
    return list;
  }, []);
};

/** The latest answer given for `key` in one request's `answers`. */
const findAnswer = (answers, key) => {
  for (let i = answers.length - 1; i >= 0; i -= 1) {
    if (answers[i].key === key) {
      return answers[i];
    }
  }
  return undefined;
};

/** A valid Date from an ISO 8601 string or epoch milliseconds, else null. */
export const parseDate = (value) => {
  if (typeof value !== 'string' && typeof value !== 'number') {
    return null;
  }
  if (typeof value === 'string' && !value.trim()) {
    return null;
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
};

const parseVersion = (value) => {
  const text = toText(value);
  return /^\d+$/.test(text) ? text : '';
};

/** Case- and space-insensitive comparison of two answer values. */
export const sameValue = (a, b) => toText(a).toLowerCase() === toText(b).toLowerCase();

const isPlainObject = (value) => Boolean(value) && typeof value === 'object' && !Array.isArray(value);

/** The canonical text of an answer: its value, else what the caller saw or typed. */
const answerText = (answer) => (answer ? answer.value || answer.label : '');

const asksForCallback = (answer) => /^(yes|true|oui|1)$/i.test(answerText(answer));

/**
 * Repeat requests merged into this task by the server (`updates`, in order of
 * arrival), each with its answers compared to the first request's: an answer is
 * `changed` when the first request gave a different value for the same key.
 *
 * The first request's value for a key is its answer in the top-level `answers`;
 * without one, the top-level attribute of the same name (only for the pinned
 * fields, and never a `callback` that a repeat request may have turned to "Yes").
 *
 * Anything that is not an array yields []; entries that are not objects are
 * dropped; an entry without usable answers keeps its time with `answers: []`.
 */
const readUpdates = (attributes, firstAnswers) => {
  if (!Array.isArray(attributes.updates)) {
    return [];
  }
  const updates = attributes.updates.filter(isPlainObject).map((entry) => ({
    submittedAt: parseDate(entry.submitted_at),
    sessionId: toText(entry.ussd_session_id),
    answers: normalizeAnswers(entry.answers),
  }));

  const callbackRaisedLater = updates.some((update) =>
    update.answers.some((answer) => answer.key === 'callback' && asksForCallback(answer)),
  );
  const firstValue = (key) => {
    if (!key) {
      return '';
    }
    const answer = findAnswer(firstAnswers, key);
    if (answer) {
      return answerText(answer);
    }
    if (!PRIMARY_KEYS.includes(key) || (key === 'callback' && callbackRaisedLater)) {
      return '';
    }
    return toText(attributes[key]);
  };

  return updates.map((update) => ({
    ...update,
    answers: update.answers.map((answer) => {
      const previous = firstValue(answer.key);
      const current = answerText(answer);
      return { ...answer, previous, changed: Boolean(previous && current && !sameValue(previous, current)) };
    }),
  }));
};

/**
 * Reads the USSD attributes of a task defensively: older menus, hand-made tasks
 * and malformed values all produce empty strings / empty lists instead of errors.
 */
export const readUssdTask = (task) => {
  const attributes = getAttributes(task);
  const answers = normalizeAnswers(attributes.answers);

  const primary = PRIMARY_FIELDS.map(({ key, labelKey }) => {
    const answer = findAnswer(answers, key);
    const value = toText(attributes[key]) || (answer ? answer.value || answer.label : '');
    // The caller's wording only belongs to the value it was given for: a repeat
    // request can turn the top-level `callback` into "Yes" while the first
    // request's answer still says "No".
    const answerMatches = answer && (!answer.value || sameValue(answer.value, value));
    const callerLabel = answerMatches && answer.label && answer.label !== value ? answer.label : '';
    return { key, labelKey, value, callerLabel };
  });

  const byKey = primary.reduce((acc, field) => ({ ...acc, [field.key]: field.value }), {});
  const from = toText(attributes.from);

  return {
    attributes,
    // Set by the server only for tasks sent from the editor's phone simulator;
    // anything but the boolean `true` (missing, false, "true") is a real caller.
    simulation: attributes.simulation === true,
    from,
    caller: from || toText(attributes.name),
    primary,
    language: byKey.language,
    location: byKey.location,
    supportType: byKey.support_type,
    callback: byKey.callback,
    wantsCallback: /^(yes|true|oui|1)$/i.test(byKey.callback),
    otherAnswers: answers.filter((answer) => !PRIMARY_KEYS.includes(answer.key)),
    serviceCode: toText(attributes.service_code),
    menu: toText(attributes.menu),
    menuVersion: parseVersion(attributes.menu_version),
    sessionId: toText(attributes.ussd_session_id),
    submittedAt: parseDate(attributes.submitted_at),
    updates: readUpdates(attributes, answers),
  };
};

/** "household_size" -> "Household size" (used when a custom answer has a key but no field title). */
export const humanizeKey = (key) => {
  const text = toText(key).replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim();
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : '';
};

/**
 * Attributes for the voice task created by "Call back": everything the caller
 * told us, plus where it came from. `channel`, `type`, `name`, `from`, `to` and
 * `direction` are left out on purpose: Flex sets them for the outbound call, and
 * copying `channel: "ussd"` would make the voice task look like a USSD task
 * (our channel definition would then replace Flex's call UI).
 */
const OUTBOUND_RESERVED = ['channel', 'type', 'name', 'from', 'to', 'direction'];

export const callbackTaskAttributes = (task) => {
  const attributes = getAttributes(task);
  const copy = Object.keys(attributes).reduce((acc, key) => {
    if (!OUTBOUND_RESERVED.includes(key)) {
      acc[key] = attributes[key];
    }
    return acc;
  }, {});
  return {
    ...copy,
    ussd_callback: true,
    ussd_caller: toText(attributes.from),
    ussd_task_sid: (task && task.taskSid) || '',
  };
};
