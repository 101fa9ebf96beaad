import React from 'react';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { __resetManager } from '@twilio/flex-ui';

import UssdTaskInfo from '../components/UssdTaskInfo/UssdTaskInfo';
import { POLL_INTERVAL_MS } from '../components/ReplyBox/useReplies';
import { demoAttributesFrench, makeTask } from './fixtures';

const BASE = 'https://ussd.example.org';
const TOKEN = 'flex-token-of-the-agent';

const waitingReply = {
  id: 7,
  text: 'Come to the shelter at 10:00.',
  status: 'waiting',
  created_at: '2026-11-30T14:00:00Z',
  read_at: null,
  by: 'amina@ngo.example',
};
const readReply = {
  id: 6,
  text: 'We received your request.',
  status: 'read',
  created_at: '2026-11-30T13:00:00Z',
  read_at: '2026-11-30T14:05:00Z',
  by: 'amina@ngo.example',
};

const CANNED = [
  { id: 1, title: 'Shelter address', text: 'L\'abri est au 12 rue Carnot, Dakar. Ouvert jour et nuit.' },
  { id: 2, title: 'Legal aid', text: 'Une juriste vous reçoit lundi à 9h.' },
];

const body = (replies = [], extra = {}) => ({
  replies,
  language: 'fr',
  canned: CANNED,
  limits: { screens: 3, screen: { gsm7: 150, ucs2: 66 } },
  ...extra,
});

const response = (status, json) => ({
  ok: status >= 200 && status < 300,
  status,
  json: () => (json === undefined ? Promise.reject(new SyntaxError('no JSON')) : Promise.resolve(json)),
});

/**
 * A fetch that answers GET /flex/replies with `lists` in turn (the last one
 * again after that) and POST with `posted`.
 */
const serviceFetch = ({ lists = [response(200, body())], posted = response(201, { id: 8, status: 'waiting' }) } = {}) => {
  let gets = 0;
  return jest.fn((url, options) => {
    if (options.method === 'POST') {
      return typeof posted === 'function' ? posted() : Promise.resolve(posted);
    }
    const answer = lists[Math.min(gets, lists.length - 1)];
    gets += 1;
    return typeof answer === 'function' ? answer() : Promise.resolve(answer);
  });
};

const gets = () => global.fetch.mock.calls.filter(([, options]) => options.method === 'GET');
const posts = () => global.fetch.mock.calls.filter(([, options]) => options.method === 'POST');

const renderPanel = (attributes = demoAttributesFrench, props = {}) =>
  render(<UssdTaskInfo task={makeTask(attributes)} {...props} />);

const replyBox = () => screen.getByTestId('ussd-reply-box');
const textbox = () => within(replyBox()).getByLabelText('Your reply');
const sendButton = () => within(replyBox()).getByRole('button', { name: 'Send reply' });
const counter = () => screen.getByTestId('ussd-reply-counter');
const type = (text) => fireEvent.change(textbox(), { target: { value: text } });

describe('Reply box', () => {
  const savedUrl = process.env.FLEX_APP_USSD_SERVICE_URL;

  beforeEach(() => {
    process.env.FLEX_APP_USSD_SERVICE_URL = `${BASE}/`;
    __resetManager({ user: { identity: 'amina@ngo.example', token: TOKEN } });
    global.fetch = serviceFetch();
  });

  afterEach(() => {
    if (savedUrl === undefined) {
      delete process.env.FLEX_APP_USSD_SERVICE_URL;
    } else {
      process.env.FLEX_APP_USSD_SERVICE_URL = savedUrl;
    }
    delete global.fetch;
    jest.useRealTimers();
  });

  it('loads this task\'s replies with the agent\'s Flex token', async () => {
    global.fetch = serviceFetch({ lists: [response(200, body([waitingReply, readReply]))] });
    renderPanel();

    expect(await screen.findAllByTestId('ussd-reply')).toHaveLength(2);
    const [url, options] = global.fetch.mock.calls[0];
    expect(url).toBe(`${BASE}/flex/replies?task_sid=WT0123456789abcdef0123456789abcdef`);
    expect(options.method).toBe('GET');
    expect(options.headers.Authorization).toBe(`Bearer ${TOKEN}`);
    expect(options.credentials).toBe('omit');
  });

  it('lists replies newest first with their status in words, in the agent\'s local time', async () => {
    global.fetch = serviceFetch({ lists: [response(200, body([waitingReply, readReply]))] });
    renderPanel();

    const [first, second] = await screen.findAllByTestId('ussd-reply');
    expect(screen.getByRole('heading', { name: 'Replies (2)' })).toBeInTheDocument();
    expect(first).toHaveTextContent('Come to the shelter at 10:00.');
    expect(first).toHaveTextContent('Waiting for the caller to dial');
    expect(first).toHaveTextContent(/Sent .*2:00 PM by amina@ngo\.example/);
    expect(second).toHaveTextContent('We received your request.');
    expect(second).toHaveTextContent(/Read at .*2:05 PM/);
  });

  it('says when no reply was sent yet', async () => {
    renderPanel();
    expect(await screen.findByText('No reply sent yet.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Replies (0)' })).toBeInTheDocument();
  });

  it.each([
    // [typed, counter text]
    ['Hello', '5 / 450 characters · 1 of 3 screens'],
    ['Prix: 5€ {env.}', '18 / 450 characters · 1 of 3 screens'],
    ['Votre demande est reçue', '23 / 198 characters · 1 of 3 screens. Because of “ç”, a screen holds 66 characters.'],
    ['a'.repeat(151), '151 / 450 characters · 2 of 3 screens'],
    ['Où êtes-vous ? Ça va ? Ô ça', '27 / 198 characters · 1 of 3 screens. Because of “ê”, “Ô”, “ç”, a screen holds 66 characters.'],
    ['  Hello  ', '5 / 450 characters · 1 of 3 screens'],
  ])('counts %j as %j', async (typed, text) => {
    renderPanel();
    await screen.findByText('No reply sent yet.');
    type(typed);
    expect(counter()).toHaveTextContent(text);
    expect(sendButton()).toBeEnabled();
  });

  it.each([
    ['a'.repeat(451), 'Too long: 451 / 450 characters, 4 screens (3 at most).'],
    ['{'.repeat(226), 'Too long: 452 / 450 characters, 4 screens (3 at most).'],
    ['ç'.repeat(199), 'Too long: 199 / 198 characters, 4 screens (3 at most).'],
  ])('disables Send over the limit (%#)', async (typed, text) => {
    renderPanel();
    await screen.findByText('No reply sent yet.');
    type(typed);
    expect(counter()).toHaveTextContent(text);
    expect(sendButton()).toBeDisabled();
    fireEvent.click(sendButton());
    expect(posts()).toHaveLength(0);
  });

  it('disables Send while the text is empty or blank', async () => {
    renderPanel();
    await screen.findByText('No reply sent yet.');
    expect(sendButton()).toBeDisabled();
    type('   \n ');
    expect(sendButton()).toBeDisabled();
    type('Hello');
    expect(sendButton()).toBeEnabled();
  });

  it('offers the GSM-7 spelling of a UCS-2 reply, and applies it only when asked', async () => {
    renderPanel();
    await screen.findByText('No reply sent yet.');
    type('Votre demande est reçue, l’abri ouvre à 8h');
    expect(counter()).toHaveTextContent('42 / 198 characters');
    const offer = screen.getByRole('button', { name: 'Write it in GSM-7 instead (ç → c, ’ → \'): 150 characters a screen' });
    expect(textbox()).toHaveValue('Votre demande est reçue, l’abri ouvre à 8h');

    fireEvent.click(offer);
    expect(textbox()).toHaveValue('Votre demande est recue, l\'abri ouvre à 8h');
    expect(counter()).toHaveTextContent('42 / 450 characters · 1 of 3 screens');
    expect(screen.queryByRole('button', { name: /Write it in GSM-7/ })).not.toBeInTheDocument();
  });

  it('offers no GSM-7 spelling when none exists (Arabic)', async () => {
    renderPanel();
    await screen.findByText('No reply sent yet.');
    type('مرحبا، نحن هنا');
    expect(counter()).toHaveTextContent('14 / 198 characters');
    expect(screen.queryByRole('button', { name: /Write it in GSM-7/ })).not.toBeInTheDocument();
  });

  it('disables Send for a character the server refuses, and says why', async () => {
    renderPanel();
    await screen.findByText('No reply sent yet.');
    type('Address:\t12 rue Carnot');
    expect(counter()).toHaveTextContent('The reply holds an invisible or control character');
    expect(sendButton()).toBeDisabled();
  });

  it('sends and counts composed characters, as the server does', async () => {
    renderPanel();
    await screen.findByText('No reply sent yet.');
    type('Cafe\u0301 ouvert');
    expect(counter()).toHaveTextContent('11 / 450 characters · 1 of 3 screens');
    fireEvent.click(sendButton());
    await screen.findByText(/Reply sent\./);
    expect(JSON.parse(posts()[0][1].body).text).toBe('Café ouvert');
  });

  it('uses the limits the server sends', async () => {
    global.fetch = serviceFetch({ lists: [response(200, body([], { limits: { screens: 2, screen: { gsm7: 100, ucs2: 40 } } }))] });
    renderPanel();
    await screen.findByText('No reply sent yet.');
    type('a'.repeat(150));
    expect(counter()).toHaveTextContent('150 / 200 characters · 2 of 2 screens');
    type('a'.repeat(201));
    expect(sendButton()).toBeDisabled();
  });

  it('offers canned replies in the caller\'s language, and one chosen fills the box', async () => {
    renderPanel();
    const select = await screen.findByLabelText('Canned reply (French)');
    expect(within(select).getAllByRole('option').map((option) => option.textContent)).toEqual([
      'Choose a canned reply…',
      'Shelter address',
      'Legal aid',
    ]);

    fireEvent.change(select, { target: { value: '2' } });
    expect(textbox()).toHaveValue('Une juriste vous reçoit lundi à 9h.');
    expect(counter()).toHaveTextContent('35 / 198 characters · 1 of 3 screens. Because of “ç”, a screen holds 66 characters.');

    // the agent may still edit it
    type('Une juriste vous reçoit lundi à 10h.');
    expect(textbox()).toHaveValue('Une juriste vous reçoit lundi à 10h.');
  });

  it('offers no canned reply list when the server has none', async () => {
    global.fetch = serviceFetch({ lists: [response(200, body([], { canned: [] }))] });
    renderPanel();
    await screen.findByText('No reply sent yet.');
    expect(screen.queryByTestId('ussd-canned')).not.toBeInTheDocument();
  });

  it('sends the reply, says so, empties the box and refreshes the list', async () => {
    global.fetch = serviceFetch({
      lists: [response(200, body([readReply])), response(200, body([waitingReply, readReply]))],
    });
    renderPanel();
    await screen.findAllByTestId('ussd-reply');

    type('  Come to the shelter at 10:00.  ');
    fireEvent.click(sendButton());
    fireEvent.click(sendButton());

    expect(await screen.findByText('Reply sent. The caller reads it on their next dial.')).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId('ussd-reply')).toHaveLength(2));
    expect(posts()).toHaveLength(1);
    const [url, options] = posts()[0];
    expect(url).toBe(`${BASE}/flex/replies`);
    expect(JSON.parse(options.body)).toEqual({
      task_sid: 'WT0123456789abcdef0123456789abcdef',
      text: 'Come to the shelter at 10:00.',
    });
    expect(options.headers.Authorization).toBe(`Bearer ${TOKEN}`);
    expect(options.headers['Content-Type']).toBe('application/json');
    expect(gets()).toHaveLength(2);
    expect(textbox()).toHaveValue('');
    expect(screen.getAllByTestId('ussd-reply')[0]).toHaveTextContent('Waiting for the caller to dial');
  });

  it('disables Send while the reply is being sent', async () => {
    let finish;
    global.fetch = serviceFetch({
      posted: () =>
        new Promise((resolve) => {
          finish = () => resolve(response(201, { id: 8, status: 'waiting' }));
        }),
    });
    renderPanel();
    await screen.findByText('No reply sent yet.');
    type('Hello');
    fireEvent.click(sendButton());

    expect(screen.getByRole('button', { name: /Send reply/ })).toBeDisabled();
    expect(textbox()).toBeDisabled();
    await act(async () => {
      finish();
    });
    expect(await screen.findByText('Reply sent. The caller reads it on their next dial.')).toBeInTheDocument();
  });

  const failures = [
    [
      '400 (too long) with the server\'s reason',
      () => Promise.resolve(response(400, { error: 'The reply is longer than 3 screens.' })),
      'The reply was not sent. The service refused it: The reply is longer than 3 screens.',
    ],
    [
      '400 (empty) with the server\'s reason',
      () => Promise.resolve(response(400, { error: 'The reply is empty.' })),
      'The reply was not sent. The service refused it: The reply is empty.',
    ],
    [
      '401 (expired or invalid token)',
      () => Promise.resolve(response(401, { error: 'invalid token' })),
      'The reply was not sent. Your Flex sign-in could not be verified (expired or invalid token). Reload Flex or sign in again, then try again.',
    ],
    [
      '403 (a Flex role that may not reply)',
      () => Promise.resolve(response(403, { error: 'this Flex user may not reply to callers' })),
      'The reply was not sent. Your Flex role may not reply to callers: the service accepts agents, supervisors and administrators.',
    ],
    [
      '404 (not our task)',
      () => Promise.resolve(response(404, { error: 'unknown task' })),
      'The reply was not sent. The USSD service does not know this task, so it takes no reply for it.',
    ],
    [
      '429 (rate limited)',
      () => Promise.resolve(response(429, { error: 'slow down' })),
      'The reply was not sent. Too many requests in a short time. Wait a minute, then try again.',
    ],
    [
      '503 (token check unavailable)',
      () => Promise.resolve(response(503, { error: 'token validation unavailable' })),
      'The reply was not sent. The USSD service cannot check Flex sign-ins right now (token check unavailable). Try again in a few minutes.',
    ],
    [
      'a network error (server unreachable, or CORS refused)',
      () => Promise.reject(new TypeError('Failed to fetch')),
      'The reply was not sent. The USSD service could not be reached. Check your connection, or ask an administrator whether the service is running and allows requests from Flex.',
    ],
    [
      'a 500 without JSON',
      () => Promise.resolve(response(500)),
      'The reply was not sent. The USSD service answered with an error (500). Try again later.',
    ],
  ];

  it.each(failures)('says what went wrong on %s, and keeps the text', async (name, posted, message) => {
    global.fetch = serviceFetch({ posted });
    renderPanel();
    await screen.findByText('No reply sent yet.');
    type('Hello');
    fireEvent.click(sendButton());

    const error = await screen.findByTestId('ussd-reply-send-error');
    expect(error).toHaveTextContent(message);
    expect(textbox()).toHaveValue('Hello');
    expect(sendButton()).toBeEnabled();
    expect(screen.queryByText(/Reply sent\./)).not.toBeInTheDocument();
  });

  it('says when the replies cannot be loaded, and still lets the agent write', async () => {
    global.fetch = serviceFetch({ lists: [() => Promise.reject(new TypeError('Failed to fetch'))] });
    renderPanel();
    expect(await screen.findByTestId('ussd-replies-load-error')).toHaveTextContent(
      'Replies could not be loaded. The USSD service could not be reached.',
    );
    type('Hello');
    expect(counter()).toHaveTextContent('5 / 450 characters · 1 of 3 screens');
  });

  it('asks nothing and says it is not signed in when Flex gives no token', async () => {
    __resetManager({ user: undefined });
    renderPanel();
    expect(await screen.findByTestId('ussd-replies-load-error')).toHaveTextContent(
      'Your Flex sign-in could not be verified',
    );
    expect(global.fetch).not.toHaveBeenCalled();
  });

  it('reads the token from the Flex session when the manager has no user', async () => {
    __resetManager({
      user: undefined,
      store: { getState: () => ({ flex: { session: { ssoTokenPayload: { token: 'from-the-store' } } } }) },
    });
    renderPanel();
    await screen.findByText('No reply sent yet.');
    expect(global.fetch.mock.calls[0][1].headers.Authorization).toBe('Bearer from-the-store');
    __resetManager({ store: undefined });
  });

  it('loads again once Flex renews an expired token', async () => {
    const listeners = {};
    const events = {
      addListener: jest.fn((name, listener) => {
        listeners[name] = listener;
      }),
      removeListener: jest.fn(),
    };
    const manager = __resetManager({ user: { token: 'expired' }, events });
    global.fetch = serviceFetch({ lists: [response(401, { error: 'expired' }), response(200, body([readReply]))] });
    renderPanel();
    await screen.findByTestId('ussd-replies-load-error');
    expect(events.addListener).toHaveBeenCalledWith('tokenUpdated', expect.any(Function));

    manager.user = { token: 'renewed' };
    await act(async () => {
      listeners.tokenUpdated({ token: 'renewed' });
    });
    expect(await screen.findByText('We received your request.')).toBeInTheDocument();
    expect(screen.queryByTestId('ussd-replies-load-error')).not.toBeInTheDocument();
    expect(gets()[1][1].headers.Authorization).toBe('Bearer renewed');
    expect(events.removeListener).toHaveBeenCalledWith('tokenUpdated', listeners.tokenUpdated);
    __resetManager({ events: undefined });
  });

  describe('without a service URL', () => {
    it.each([[undefined], [''], ['not a url'], ['ftp://ussd.example.org']])('says replies are not configured (%j)', (url) => {
      if (url === undefined) {
        delete process.env.FLEX_APP_USSD_SERVICE_URL;
      } else {
        process.env.FLEX_APP_USSD_SERVICE_URL = url;
      }
      renderPanel();
      expect(screen.getByTestId('ussd-reply-not-configured')).toHaveTextContent(
        'Replies are not configured: this Flex plugin was built without the address of the USSD service (FLEX_APP_USSD_SERVICE_URL).',
      );
      expect(screen.queryByRole('button', { name: 'Send reply' })).not.toBeInTheDocument();
      expect(global.fetch).not.toHaveBeenCalled();
    });
  });

  it('shows the task\'s reply_status, even without a service URL', () => {
    delete process.env.FLEX_APP_USSD_SERVICE_URL;
    const { rerender } = renderPanel({ ...demoAttributesFrench, reply_status: 'waiting' });
    expect(screen.getByTestId('ussd-reply-status')).toHaveTextContent('Reply waiting');
    rerender(<UssdTaskInfo task={makeTask({ ...demoAttributesFrench, reply_status: 'read' })} />);
    expect(screen.getByTestId('ussd-reply-status')).toHaveTextContent('Reply read');
    rerender(<UssdTaskInfo task={makeTask({ ...demoAttributesFrench, reply_status: 'none' })} />);
    expect(screen.queryByTestId('ussd-reply-status')).not.toBeInTheDocument();
  });

  it('loads the list again when the task says the caller read a reply', async () => {
    global.fetch = serviceFetch({
      lists: [response(200, body([waitingReply])), response(200, body([{ ...waitingReply, status: 'read', read_at: '2026-11-30T14:30:00Z' }]))],
    });
    const waiting = { ...demoAttributesFrench, reply_status: 'waiting' };
    const { rerender } = renderPanel(waiting);
    await screen.findByText('Waiting for the caller to dial');
    // an unrelated update of the task asks nothing
    rerender(<UssdTaskInfo task={makeTask({ ...waiting, location: 'Touba' })} />);
    expect(gets()).toHaveLength(1);

    rerender(<UssdTaskInfo task={makeTask({ ...waiting, reply_status: 'read', reply_read_at: '2026-11-30T14:30:00Z' })} />);
    expect(await screen.findByText(/Read at/)).toBeInTheDocument();
    expect(gets()).toHaveLength(2);
  });

  it('shows the reply box to supervisors too', async () => {
    renderPanel(demoAttributesFrench, { showCallback: false });
    expect(await screen.findByText('No reply sent yet.')).toBeInTheDocument();
    expect(sendButton()).toBeInTheDocument();
  });

  describe('polling', () => {
    const flush = () => act(async () => {});

    it('asks again every 20 s while a reply waits, and stops once it is read', async () => {
      jest.useFakeTimers();
      global.fetch = serviceFetch({
        lists: [response(200, body([waitingReply])), response(200, body([waitingReply])), response(200, body([{ ...waitingReply, status: 'read', read_at: '2026-11-30T14:30:00Z' }]))],
      });
      renderPanel();
      await flush();
      expect(gets()).toHaveLength(1);

      await act(async () => {
        jest.advanceTimersByTime(POLL_INTERVAL_MS - 1);
      });
      expect(gets()).toHaveLength(1);
      await act(async () => {
        jest.advanceTimersByTime(1);
      });
      expect(gets()).toHaveLength(2);
      await act(async () => {
        jest.advanceTimersByTime(POLL_INTERVAL_MS);
      });
      expect(gets()).toHaveLength(3);
      expect(screen.getByTestId('ussd-reply')).toHaveTextContent(/Read at/);

      // nothing waits any more: no more requests
      await act(async () => {
        jest.advanceTimersByTime(POLL_INTERVAL_MS * 3);
      });
      expect(gets()).toHaveLength(3);
    });

    it('does not poll when no reply waits', async () => {
      jest.useFakeTimers();
      global.fetch = serviceFetch({ lists: [response(200, body([readReply]))] });
      renderPanel();
      await flush();
      await act(async () => {
        jest.advanceTimersByTime(POLL_INTERVAL_MS * 3);
      });
      expect(gets()).toHaveLength(1);
    });

    it('stops when the panel closes', async () => {
      jest.useFakeTimers();
      global.fetch = serviceFetch({ lists: [response(200, body([waitingReply]))] });
      const { unmount } = renderPanel();
      await flush();
      await act(async () => {
        jest.advanceTimersByTime(POLL_INTERVAL_MS);
      });
      expect(gets()).toHaveLength(2);

      unmount();
      await act(async () => {
        jest.advanceTimersByTime(POLL_INTERVAL_MS * 5);
      });
      expect(gets()).toHaveLength(2);
    });
  });

  describe('in French', () => {
    beforeEach(() => {
      __resetManager({ user: { token: TOKEN }, localization: { localeTag: 'fr-FR', availableLocales: [] } });
    });

    it('labels, counts and lists in French', async () => {
      global.fetch = serviceFetch({ lists: [response(200, body([waitingReply, readReply]))] });
      renderPanel();
      const [first, second] = await screen.findAllByTestId('ussd-reply');
      expect(screen.getByRole('heading', { name: 'Répondre à l’appelant' })).toBeInTheDocument();
      expect(screen.getByLabelText('Réponse type (Français)')).toBeInTheDocument();
      expect(first).toHaveTextContent('En attente de l’appel de l’appelant');
      expect(first).toHaveTextContent(/Envoyée .*14:00 par amina@ngo\.example/);
      expect(second).toHaveTextContent(/Lue à .*14:05/);

      fireEvent.change(screen.getByLabelText('Votre réponse'), { target: { value: 'Reçu' } });
      expect(counter()).toHaveTextContent('4 / 198 caractères · 1 écran(s) sur 3. À cause de « ç », un écran contient 66 caractères.');
      expect(screen.getByRole('button', { name: 'Envoyer la réponse' })).toBeEnabled();
    });

    it('says what went wrong in French', async () => {
      global.fetch = serviceFetch({ posted: () => Promise.resolve(response(429, { error: 'slow down' })) });
      renderPanel();
      await screen.findByText('Aucune réponse envoyée pour l’instant.');
      fireEvent.change(screen.getByLabelText('Votre réponse'), { target: { value: 'Bonjour' } });
      fireEvent.click(screen.getByRole('button', { name: 'Envoyer la réponse' }));
      expect(await screen.findByTestId('ussd-reply-send-error')).toHaveTextContent(
        'La réponse n’a pas été envoyée. Trop de requêtes en peu de temps. Attendez une minute, puis réessayez.',
      );
    });

    it('says in French that replies are not configured', () => {
      delete process.env.FLEX_APP_USSD_SERVICE_URL;
      renderPanel();
      expect(screen.getByTestId('ussd-reply-not-configured')).toHaveTextContent('Les réponses ne sont pas configurées');
    });
  });
});
