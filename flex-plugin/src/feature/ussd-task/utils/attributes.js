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
export const answerText = (answer) => (answer ? answer.value || answer.label : '');

const asksForCallback = (answer) => /^(yes|true|oui|1)$/i.test(answerText(answer));

/** `answers` was sent but is not a list: there were answers, and we cannot show them. */
const unreadable = (answers) => answers !== undefined && answers !== null && !Array.isArray(answers);

/**
 * The repeat requests merged into this task by the server (`updates`, in order
 * of arrival). Anything that is not an array yields []; entries that are not
 * objects, and entries with no answer to show, are dropped (they would only add
 * empty sections). An entry whose `answers` is not a list is kept, marked
 * `unreadable`: the caller did ask again.
 */
const readUpdates = (updates) => {
  if (!Array.isArray(updates)) {
    return [];
  }
  return updates
    .filter(isPlainObject)
    .map((entry) => ({
      submittedAt: parseDate(entry.submitted_at),
      sessionId: toText(entry.ussd_session_id),
      answers: normalizeAnswers(entry.answers),
      unreadable: unreadable(entry.answers),
    }))
    .filter((update) => update.unreadable || update.answers.some((answer) => answerText(answer)));
};

/**
 * What the first request said for each pinned field. The top-level attribute
 * wins over the answer of the same key (the contract), except `callback` once a
 * repeat request asked for a call back: the server then turned the top-level
 * `callback` into "Yes", which says nothing about the first request. The
 * caller's wording (`label`) only belongs to the value it was given for.
 */
const firstPinned = (attributes, answers, callbackRaisedLater) =>
  PRIMARY_KEYS.reduce((acc, key) => {
    const answer = findAnswer(answers, key);
    const topLevel = key === 'callback' && callbackRaisedLater ? '' : toText(attributes[key]);
    const value = topLevel || answerText(answer);
    if (!value && !answer) {
      return acc;
    }
    const matches = answer && (!answer.value || sameValue(answer.value, value));
    const label = matches && answer.label && answer.label !== value ? answer.label : '';
    acc[key] = { key, label, value };
    return acc;
  }, {});

/**
 * Walks the requests in order of arrival and keeps, for every key, the latest
 * answer the caller gave. Each answer of a repeat request is compared with the
 * caller's previous answer for the same key (`previous`, `changed`); the latest
 * state of a key remembers in which request its value last changed (`since`,
 * 1-based; 1 is the first request) and what it was before (`previous`).
 */
const walkRequests = (requests) => {
  const state = new Map();
  const history = requests.map((request, index) => {
    const number = index + 1;
    const answers = request.answers.map((answer) => {
      const before = answer.key ? state.get(answer.key) : undefined;
      const current = answerText(answer);
      if (!answer.key || !current) {
        return { ...answer, previous: null, changed: false };
      }
      const changed = index > 0 && Boolean(before && !sameValue(answerText(before), current));
      let since = number;
      let previous = null;
      if (index === 0) {
        since = 1;
      } else if (before && !changed) {
        ({ since, previous } = before);
      } else if (before) {
        previous = { key: before.key, label: before.label, value: before.value };
      }
      state.set(answer.key, { key: answer.key, label: answer.label, value: answer.value, since, previous });
      return { ...answer, previous: changed ? previous : null, changed };
    });
    return { ...request, number, answers };
  });
  return { history, state };
};

/**
 * Reads the USSD attributes of a task defensively: older menus, hand-made tasks
 * and malformed values all produce empty strings / empty lists instead of errors.
 *
 * When the caller asked again while the task was open (`updates`), the pinned
 * fields and the other answers are the *latest* ones, each with where it last
 * changed; `requests` lists every request (the first one included), newest last.
 */
export const readUssdTask = (task) => {
  const attributes = getAttributes(task);
  const answers = normalizeAnswers(attributes.answers);
  const updates = readUpdates(attributes.updates);
  const callbackRaisedLater = updates.some((update) =>
    update.answers.some((answer) => answer.key === 'callback' && asksForCallback(answer)),
  );

  // The first request: its answers, with the pinned fields as the contract reads them.
  const pinned = firstPinned(attributes, answers, callbackRaisedLater);
  const firstAnswers = [
    ...PRIMARY_KEYS.filter((key) => pinned[key]).map((key) => pinned[key]),
    ...answers.filter((answer) => !PRIMARY_KEYS.includes(answer.key)),
  ];
  const first = {
    submittedAt: parseDate(attributes.submitted_at),
    sessionId: toText(attributes.ussd_session_id),
    answers: firstAnswers,
    unreadable: unreadable(attributes.answers),
  };
  const { history, state } = walkRequests([first, ...updates]);
  const latest = history[history.length - 1];

  const primary = PRIMARY_FIELDS.map(({ key, labelKey }) => {
    const now = state.get(key);
    const asked = history.some((request) => request.answers.some((answer) => answer.key === key));
    return {
      key,
      labelKey,
      present: Boolean(now) || asked,
      value: now ? now.value || now.label : '',
      label: now ? now.label : '',
      since: now ? now.since : 0,
      previous: now ? now.previous : null,
    };
  });

  // Other answers: the latest one per key, in the order the questions first
  // came; answers without a key only from the latest request that had any.
  const otherKeys = [];
  history.forEach((request) =>
    request.answers.forEach((answer) => {
      if (answer.key && !PRIMARY_KEYS.includes(answer.key) && !otherKeys.includes(answer.key)) {
        otherKeys.push(answer.key);
      }
    }),
  );
  const keyed = otherKeys.map((key) => state.get(key) || findAnswer(history.flatMap((r) => r.answers), key));
  const withoutKey = [...history].reverse().find((request) => request.answers.some((answer) => !answer.key));
  const otherAnswers = [
    ...keyed.map((answer) => ({ since: 1, previous: null, ...answer })),
    ...(withoutKey ? withoutKey.answers.filter((answer) => !answer.key) : []).map((answer) => ({
      ...answer,
      since: withoutKey.number,
      previous: null,
    })),
  ];

  const byKey = primary.reduce((acc, field) => ({ ...acc, [field.key]: field.value }), {});
  const from = toText(attributes.from);

  return {
    attributes,
    // Set by the server only for tasks sent from the editor's phone simulator;
    // anything but the boolean `true` (missing, false, "true") is a real caller.
    simulation: attributes.simulation === true,
    from,
    // false when the network hides the caller's number (bdapps masks it): no call back
    // is possible, a reply read on the next dial is
    callable: attributes.callable !== false,
    caller: from || toText(attributes.name),
    primary,
    language: byKey.language,
    location: byKey.location,
    supportType: byKey.support_type,
    callback: byKey.callback,
    // The latest answer decides: a caller who later said "No" may no longer be safe to call.
    wantsCallback: /^(yes|true|oui|1)$/i.test(byKey.callback),
    otherAnswers,
    // Shown as a notice: answers that vanish silently would read as "nothing was asked".
    answersUnreadable: history.some((request) => request.unreadable),
    serviceCode: toText(attributes.service_code),
    menu: toText(attributes.menu),
    menuVersion: parseVersion(attributes.menu_version),
    sessionId: first.sessionId,
    submittedAt: first.submittedAt,
    requests: history,
    requestCount: history.length,
    latestAt: latest.submittedAt,
    updates: history.slice(1),
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
