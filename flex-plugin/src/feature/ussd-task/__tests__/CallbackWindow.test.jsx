import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Actions, __resetManager } from '@twilio/flex-ui';

import UssdTaskInfo from '../components/UssdTaskInfo/UssdTaskInfo';
import { LOCAL_TIME_REFRESH_MS } from '../components/CallbackButton/SafeWindowNote';
import { clock } from '../utils/safeWindow';
import { demoAttributesFrench, makeTask } from './fixtures';

const realNow = clock.now;
const setNow = (iso) => {
  clock.now = () => new Date(iso);
};

// Dakar is on UTC all year, so the caller's time is the UTC time of `setNow`.
const morning = {
  ...demoAttributesFrench,
  callback_window: 'morning',
  callback_hours: { from: '08:00', to: '12:00' },
  caller_timezone: 'Africa/Dakar',
};

const renderTask = (attributes, props = {}) => render(<UssdTaskInfo task={makeTask(attributes)} {...props} />);
const pressCallBack = () => fireEvent.click(screen.getByRole('button', { name: /Call back \+221 77 123 45 67/ }));
const dialog = () => screen.queryByRole('alertdialog');

describe('Call back and the caller\'s safe window', () => {
  beforeEach(() => {
    __resetManager();
    delete process.env.FLEX_APP_USSD_SERVICE_URL;
    Actions.invokeAction.mockImplementation(() => Promise.resolve());
  });

  afterEach(() => {
    clock.now = realNow;
  });

  it('shows the safe window in the panel, to agents and supervisors', () => {
    setNow('2026-11-30T22:40:00Z');
    const { rerender } = renderTask(morning);
    expect(screen.getByTestId('ussd-safe-window')).toHaveTextContent(
      'Safe to call: morning (08:00–12:00 caller’s time)',
    );
    expect(screen.getByTestId('ussd-caller-time')).toHaveTextContent(
      'Caller’s time zone: Africa/Dakar, where it is 22:40 now',
    );
    rerender(<UssdTaskInfo task={makeTask(morning)} showCallback={false} />);
    expect(screen.getByTestId('ussd-safe-window')).toHaveTextContent('Safe to call: morning (08:00–12:00');
  });

  it.each([
    [{ callback_window: 'any' }, 'Safe to call: any time'],
    [{ callback_window: 'none' }, 'Do not call: the caller will dial back.'],
    [{ callback_window: 'weekends', callback_hours: undefined }, 'Safe to call: weekends'],
  ])('describes %j as %j', (extra, text) => {
    renderTask({ ...morning, ...extra });
    expect(screen.getByTestId('ussd-safe-window')).toHaveTextContent(text);
  });

  it('says when the caller\'s local time is unknown', () => {
    const { rerender } = renderTask({ ...morning, caller_timezone: 'Africa/Atlantis' });
    expect(screen.getByTestId('ussd-caller-time')).toHaveTextContent(
      'Caller’s time zone: Africa/Atlantis (not recognised: their local time is unknown)',
    );
    rerender(<UssdTaskInfo task={makeTask({ ...morning, caller_timezone: undefined })} />);
    expect(screen.getByTestId('ussd-caller-time')).toHaveTextContent(
      'No time zone came with the request: the caller’s local time is unknown.',
    );
  });

  it('keeps the caller\'s local time current while the panel is open', () => {
    jest.useFakeTimers();
    try {
      setNow('2026-11-30T11:59:00Z');
      renderTask(morning);
      expect(screen.getByTestId('ussd-caller-time')).toHaveTextContent('where it is 11:59 now');
      setNow('2026-11-30T12:00:00Z');
      act(() => {
        jest.advanceTimersByTime(LOCAL_TIME_REFRESH_MS);
      });
      expect(screen.getByTestId('ussd-caller-time')).toHaveTextContent('where it is 12:00 now');
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows no safe window when the request has none', () => {
    renderTask(demoAttributesFrench);
    expect(screen.queryByTestId('ussd-safe-window')).not.toBeInTheDocument();
  });

  it('calls at once inside the window', async () => {
    setNow('2026-11-30T09:15:00Z');
    renderTask(morning);
    pressCallBack();
    expect(dialog()).not.toBeInTheDocument();
    await waitFor(() => expect(Actions.invokeAction).toHaveBeenCalledTimes(1));
    expect(Actions.invokeAction.mock.calls[0][0]).toBe('StartOutboundCall');
  });

  it('calls at once when the request has no window', async () => {
    renderTask(demoAttributesFrench);
    pressCallBack();
    expect(dialog()).not.toBeInTheDocument();
    await waitFor(() => expect(Actions.invokeAction).toHaveBeenCalledTimes(1));
  });

  it('calls at once when any time is safe', async () => {
    setNow('2026-11-30T03:00:00Z');
    renderTask({ ...morning, callback_window: 'any', callback_hours: undefined });
    pressCallBack();
    expect(dialog()).not.toBeInTheDocument();
    await waitFor(() => expect(Actions.invokeAction).toHaveBeenCalledTimes(1));
  });

  it('warns outside the window with the caller\'s time, and calls only once the agent confirms', async () => {
    setNow('2026-11-30T22:40:00Z');
    renderTask(morning);
    pressCallBack();

    expect(dialog()).toHaveTextContent('Outside the caller’s safe window');
    expect(dialog()).toHaveTextContent(
      'It is 22:40 for the caller, outside their safe window 08:00–12:00. Calling now may put them at risk.',
    );
    expect(Actions.invokeAction).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole('button', { name: 'Call anyway' }));
    await waitFor(() => expect(Actions.invokeAction).toHaveBeenCalledTimes(1));
    expect(Actions.invokeAction.mock.calls[0][1].destination).toBe('+221771234567');
    await waitFor(() => expect(dialog()).not.toBeInTheDocument());
    expect(await screen.findByText(/Call to \+221 77 123 45 67 started\./)).toBeInTheDocument();
  });

  it('does not call when the agent cancels', async () => {
    setNow('2026-11-30T22:40:00Z');
    renderTask(morning);
    pressCallBack();
    fireEvent.click(screen.getByRole('button', { name: 'Don’t call' }));

    await waitFor(() => expect(dialog()).not.toBeInTheDocument());
    expect(Actions.invokeAction).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: /Call back/ })).toBeEnabled();
  });

  it('waits for a choice: Escape does not close the warning or call', () => {
    setNow('2026-11-30T22:40:00Z');
    renderTask(morning);
    pressCallBack();
    fireEvent.keyDown(dialog(), { key: 'Escape', code: 'Escape' });
    expect(dialog()).toBeInTheDocument();
    expect(Actions.invokeAction).not.toHaveBeenCalled();
  });

  it('checks the window again before "Call again"', async () => {
    setNow('2026-11-30T11:50:00Z');
    renderTask(morning);
    pressCallBack();
    await screen.findByRole('button', { name: 'Call again' });

    setNow('2026-11-30T12:10:00Z');
    fireEvent.click(screen.getByRole('button', { name: 'Call again' }));
    expect(dialog()).toHaveTextContent('It is 12:10 for the caller');
    expect(Actions.invokeAction).toHaveBeenCalledTimes(1);
  });

  describe('a window crossing midnight (20:00–07:00, caller in Nairobi, UTC+3)', () => {
    const night = {
      ...morning,
      callback_window: 'evening',
      callback_hours: { from: '20:00', to: '07:00' },
      caller_timezone: 'Africa/Nairobi',
    };

    it.each([
      ['2026-11-30T18:30:00Z', '21:30'],
      ['2026-11-30T23:00:00Z', '02:00'],
      ['2026-12-01T03:59:00Z', '06:59'],
    ])('calls at once at %s (%s for the caller)', async (now) => {
      setNow(now);
      renderTask(night);
      pressCallBack();
      expect(dialog()).not.toBeInTheDocument();
      await waitFor(() => expect(Actions.invokeAction).toHaveBeenCalledTimes(1));
    });

    it.each([
      ['2026-12-01T04:00:00Z', '07:00'],
      ['2026-11-30T09:00:00Z', '12:00'],
      ['2026-11-30T16:59:00Z', '19:59'],
    ])('warns at %s (%s for the caller)', (now, local) => {
      setNow(now);
      renderTask(night);
      pressCallBack();
      expect(dialog()).toHaveTextContent(`It is ${local} for the caller, outside their safe window 20:00–07:00.`);
      expect(Actions.invokeAction).not.toHaveBeenCalled();
    });
  });

  it('warns when the caller asked not to be called, even at a quiet hour', async () => {
    setNow('2026-11-30T10:00:00Z');
    renderTask({ ...morning, callback_window: 'none', callback_hours: undefined });
    pressCallBack();
    expect(dialog()).toHaveTextContent('The caller asked not to be called');
    expect(dialog()).toHaveTextContent(
      'The caller asked not to be called: they will dial back. It is 10:00 for them. Calling may put them at risk.',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Call anyway' }));
    await waitFor(() => expect(Actions.invokeAction).toHaveBeenCalledTimes(1));
  });

  it('warns that the caller\'s local time is unknown for a time zone the browser does not know', () => {
    setNow('2026-11-30T10:00:00Z');
    renderTask({ ...morning, caller_timezone: 'Africa/Atlantis' });
    pressCallBack();
    expect(dialog()).toHaveTextContent('The caller’s local time is unknown');
    expect(dialog()).toHaveTextContent(
      'The caller’s local time is unknown (time zone “Africa/Atlantis” is not recognised), so it cannot be checked against their safe window morning (08:00–12:00). Calling may put them at risk.',
    );
    expect(Actions.invokeAction).not.toHaveBeenCalled();
  });

  it('warns that the caller\'s local time is unknown when no time zone came', () => {
    renderTask({ ...morning, caller_timezone: undefined });
    pressCallBack();
    expect(dialog()).toHaveTextContent('(no time zone came with the request)');
  });

  describe('in French', () => {
    beforeEach(() => {
      __resetManager({ localization: { localeTag: 'fr-FR', availableLocales: [] } });
    });

    it('shows the window and the warning in French', async () => {
      setNow('2026-11-30T22:40:00Z');
      renderTask(morning);
      expect(screen.getByTestId('ussd-safe-window')).toHaveTextContent(
        'Appel possible : le matin (08:00–12:00, heure de l’appelant)',
      );
      expect(screen.getByTestId('ussd-caller-time')).toHaveTextContent(
        'Fuseau horaire de l’appelant : Africa/Dakar, où il est 22:40',
      );
      fireEvent.click(screen.getByRole('button', { name: /Rappeler le/ }));
      expect(dialog()).toHaveTextContent('En dehors des heures sûres de l’appelant');
      expect(dialog()).toHaveTextContent(
        'Il est 22:40 pour l’appelant, en dehors de ses heures sûres (08:00–12:00). L’appeler maintenant peut le mettre en danger.',
      );
      fireEvent.click(screen.getByRole('button', { name: 'Ne pas appeler' }));
      await waitFor(() => expect(dialog()).not.toBeInTheDocument());
      expect(Actions.invokeAction).not.toHaveBeenCalled();
    });
  });
});
