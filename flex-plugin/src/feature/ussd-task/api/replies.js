import { parseDate, toText } from '../utils/attributes';
import { readLimits } from '../utils/gsm';

/*
 * The USSD service's reply API (DESIGN §5b):
 *   GET  {base}/flex/replies?task_sid=WT…          -> {replies, language, canned, limits}
 *   POST {base}/flex/replies {task_sid, text}       -> 201 {id, status}
 * both with `Authorization: Bearer <agent's Flex token>`; errors are
 * {"error": "<reason>"} with 400 / 401 / 404 / 429 / 503 (and 403 for a Flex
 * user whose role may not reply).
 * Nothing here logs: reply texts and tokens are personal data.
 */

/** Why a request failed, as the panel says it (see errorMessage in ReplyBox). */
export const ERROR_KINDS = {
  network: 'network',
  invalid: 'invalid',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not_found',
  rateLimited: 'rate_limited',
  unavailable: 'unavailable',
  server: 'server',
};

const KIND_BY_STATUS = {
  400: ERROR_KINDS.invalid,
  401: ERROR_KINDS.unauthorized,
  403: ERROR_KINDS.forbidden,
  404: ERROR_KINDS.notFound,
  429: ERROR_KINDS.rateLimited,
  503: ERROR_KINDS.unavailable,
};

export class ReplyServiceError extends Error {
  constructor(kind, { status = 0, reason = '' } = {}) {
    super(`reply service: ${kind}${status ? ` (${status})` : ''}`);
    this.name = 'ReplyServiceError';
    this.kind = kind;
    this.status = status;
    this.reason = reason;
  }
}

const isAbort = (error) => Boolean(error) && error.name === 'AbortError';

const call = async (url, { token, fetchImpl, ...options }) => {
  if (!token) {
    // Flex gave no token: the server would answer 401, so say so without asking.
    throw new ReplyServiceError(ERROR_KINDS.unauthorized);
  }
  const doFetch = fetchImpl || (typeof fetch === 'function' ? fetch : null);
  let response;
  try {
    response = await doFetch(url, {
      ...options,
      mode: 'cors',
      credentials: 'omit',
      headers: { Accept: 'application/json', Authorization: `Bearer ${token}`, ...(options.headers || {}) },
    });
  } catch (error) {
    if (isAbort(error)) {
      throw error;
    }
    // fetch rejects on no network, DNS, TLS and CORS refusals alike.
    throw new ReplyServiceError(ERROR_KINDS.network);
  }
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    if (isAbort(error)) {
      throw error;
    }
    body = null;
  }
  if (response.ok && body && typeof body === 'object') {
    return body;
  }
  const reason = body && typeof body.error === 'string' ? body.error.trim() : '';
  throw new ReplyServiceError(KIND_BY_STATUS[response.status] || ERROR_KINDS.server, {
    status: response.status,
    reason,
  });
};

const readReply = (entry) => {
  const readAt = parseDate(entry.read_at);
  return {
    id: entry.id,
    text: typeof entry.text === 'string' ? entry.text : '',
    status: entry.status === 'read' || readAt ? 'read' : 'waiting',
    createdAt: parseDate(entry.created_at),
    readAt,
    by: toText(entry.by),
  };
};

const isObject = (value) => Boolean(value) && typeof value === 'object' && !Array.isArray(value);

/** The GET answer, read defensively: anything unexpected becomes an empty list or the default. */
export const readRepliesBody = (body) => ({
  replies: Array.isArray(body.replies) ? body.replies.filter(isObject).map(readReply) : [],
  language: toText(body.language),
  canned: Array.isArray(body.canned)
    ? body.canned
        .filter((entry) => isObject(entry) && typeof entry.text === 'string' && entry.text.trim())
        .map((entry, index) => ({
          id: entry.id === undefined || entry.id === null ? `canned-${index}` : String(entry.id),
          title: toText(entry.title) || entry.text.trim().slice(0, 40),
          text: entry.text,
        }))
    : [],
  limits: readLimits(body.limits),
});

const repliesUrl = (baseUrl) => `${baseUrl}/flex/replies`;

export const fetchReplies = async ({ baseUrl, taskSid, token, signal, fetchImpl }) => {
  const body = await call(`${repliesUrl(baseUrl)}?task_sid=${encodeURIComponent(taskSid)}`, {
    method: 'GET',
    cache: 'no-store',
    token,
    signal,
    fetchImpl,
  });
  return readRepliesBody(body);
};

export const sendReply = async ({ baseUrl, taskSid, text, token, signal, fetchImpl }) =>
  call(repliesUrl(baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ task_sid: taskSid, text }),
    token,
    signal,
    fetchImpl,
  });
