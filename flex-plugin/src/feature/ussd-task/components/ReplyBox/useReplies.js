import { useCallback, useEffect, useRef, useState } from 'react';

import { getFlexToken } from '../../api/config';
import { ERROR_KINDS, fetchReplies, sendReply } from '../../api/replies';

/** How often the list is asked again while a reply waits for the caller. */
export const POLL_INTERVAL_MS = 20000;

const isAbort = (error) => Boolean(error) && error.name === 'AbortError';

const addTokenListener = (manager, listener) => {
  const events = manager && manager.events;
  if (!events || typeof events.addListener !== 'function') {
    return () => {};
  }
  events.addListener('tokenUpdated', listener);
  return () => {
    if (typeof events.removeListener === 'function') {
      events.removeListener('tokenUpdated', listener);
    }
  };
};

/**
 * This task's replies from the USSD service: loads them when the panel opens,
 * asks again every POLL_INTERVAL_MS while one is waiting for the caller (not
 * while the page is hidden), and stops when the panel closes. After a 401, a
 * token Flex renews (`tokenUpdated`) loads them again. `send` posts a reply,
 * then reloads the list.
 */
const useReplies = ({ baseUrl, taskSid, manager, fetchImpl }) => {
  const [state, setState] = useState({ loading: Boolean(baseUrl), data: null, error: null });
  const mounted = useRef(true);
  const controllers = useRef(new Set());
  // Only the newest load may set the list: an older answer arriving late is dropped.
  const latestLoad = useRef(0);

  const track = () => {
    const controller = typeof AbortController === 'function' ? new AbortController() : null;
    if (controller) {
      controllers.current.add(controller);
    }
    return controller;
  };
  const untrack = (controller) => controller && controllers.current.delete(controller);

  useEffect(
    () => () => {
      mounted.current = false;
      controllers.current.forEach((controller) => controller.abort());
      controllers.current.clear();
    },
    [],
  );

  const load = useCallback(async () => {
    if (!baseUrl || !taskSid) {
      return;
    }
    latestLoad.current += 1;
    const number = latestLoad.current;
    const controller = track();
    try {
      const data = await fetchReplies({
        baseUrl,
        taskSid,
        token: getFlexToken(manager),
        signal: controller ? controller.signal : undefined,
        fetchImpl,
      });
      if (mounted.current && number === latestLoad.current) {
        setState({ loading: false, data, error: null });
      }
    } catch (error) {
      if (!isAbort(error) && mounted.current && number === latestLoad.current) {
        // Keep what was shown: a failed refresh does not empty the list.
        setState((previous) => ({ ...previous, loading: false, error }));
      }
    } finally {
      untrack(controller);
    }
  }, [baseUrl, taskSid, manager, fetchImpl]);

  useEffect(() => {
    load();
  }, [load]);

  const waiting = Boolean(state.data && state.data.replies.some((reply) => reply.status === 'waiting'));
  useEffect(() => {
    if (!waiting) {
      return undefined;
    }
    const timer = setInterval(() => {
      if (typeof document === 'undefined' || !document.hidden) {
        load();
      }
    }, POLL_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [waiting, load]);

  const unauthorized = Boolean(state.error && state.error.kind === ERROR_KINDS.unauthorized);
  useEffect(() => (unauthorized ? addTokenListener(manager, () => load()) : undefined), [unauthorized, manager, load]);

  const send = useCallback(
    async (text) => {
      const controller = track();
      try {
        return await sendReply({
          baseUrl,
          taskSid,
          text,
          token: getFlexToken(manager),
          signal: controller ? controller.signal : undefined,
          fetchImpl,
        });
      } finally {
        untrack(controller);
      }
    },
    [baseUrl, taskSid, manager, fetchImpl],
  );

  return { ...state, load, send, isMounted: () => mounted.current };
};

export default useReplies;
