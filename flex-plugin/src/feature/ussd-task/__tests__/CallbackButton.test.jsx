import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Actions, Notifications, __resetManager } from '@twilio/flex-ui';

import UssdTaskInfo from '../components/UssdTaskInfo/UssdTaskInfo';
import CallbackFailedNotification from '../components/CallbackButton/CallbackFailedNotification';
import { demoAttributesFrench, makeTask } from './fixtures';

describe('Call back', () => {
  beforeEach(() => {
    __resetManager();
    Actions.invokeAction.mockImplementation(() => Promise.resolve());
  });

  it('starts an outbound call to the caller with the USSD answers on the new task', async () => {
    const task = makeTask(demoAttributesFrench);
    render(<UssdTaskInfo task={task} />);

    fireEvent.click(screen.getByRole('button', { name: /Call back \+221 77 123 45 67/ }));

    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent(
        'Call to +221 77 123 45 67 started. Flex shows it as a new task.',
      ),
    );
    expect(Actions.invokeAction).toHaveBeenCalledTimes(1);
    const [action, payload] = Actions.invokeAction.mock.calls[0];
    expect(action).toBe('StartOutboundCall');
    expect(payload.destination).toBe('+221771234567');
    expect(payload.taskAttributes).toEqual({
      service_code: '*123*456#',
      language: 'French',
      location: 'Dakar',
      support_type: 'Shelter',
      callback: 'Yes',
      answers: demoAttributesFrench.answers,
      ussd_session_id: 'ATUid_1234',
      menu: 'Demo hotline',
      menu_version: 1,
      submitted_at: '2026-11-24T10:15:00Z',
      ussd_callback: true,
      ussd_caller: '+221771234567',
      ussd_task_sid: task.taskSid,
    });
    // The voice task must not look like a USSD task, or Flex's call UI would be replaced.
    expect(payload.taskAttributes).not.toHaveProperty('channel');
    expect(payload.taskAttributes).not.toHaveProperty('type');
    expect(Notifications.showNotification).not.toHaveBeenCalled();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('explains the failure when StartOutboundCall rejects (outbound calling not enabled)', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    Actions.invokeAction.mockImplementation(() => Promise.reject(new Error('Outbound calling is not enabled')));
    render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);

    fireEvent.click(screen.getByRole('button', { name: /Call back/ }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not start the call back to +221 77 123 45 67');
    expect(alert).toHaveTextContent('Outbound calling may not be enabled for this Flex account');
    expect(Notifications.showNotification).toHaveBeenCalledWith('UssdCallbackFailed', { number: '+221 77 123 45 67' });
    // no "starting" or "started" message is left (the status region stays, empty, for screen readers)
    expect(screen.getByRole('status')).toBeEmptyDOMElement();
    // the agent can try again
    expect(screen.getByRole('button', { name: /Call back/ })).toBeEnabled();
    warn.mockRestore();
  });

  it('logs the kind of failure, never the caller\'s number quoted in its message', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const refused = new Error('Invalid destination +221771234567');
    refused.code = 45004;
    Actions.invokeAction.mockImplementation(() => Promise.reject(refused));
    render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);

    fireEvent.click(screen.getByRole('button', { name: /Call back/ }));

    await screen.findByRole('alert');
    expect(warn).toHaveBeenCalledWith('[plugin-ussd] StartOutboundCall failed:', 'Error (code 45004)');
    expect(JSON.stringify(warn.mock.calls)).not.toContain('771234567');
    warn.mockRestore();
  });

  it('also handles an action that throws synchronously, in French', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    __resetManager({ localization: { localeTag: 'fr', availableLocales: [] } });
    Actions.invokeAction.mockImplementation(() => {
      throw new Error('The action StartOutboundCall is not registered');
    });
    render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);

    fireEvent.click(screen.getByRole('button', { name: /Rappeler le/ }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Impossible de rappeler le +221 77 123 45 67. Les appels sortants ne sont peut-être pas activés',
    );
    warn.mockRestore();
  });

  describe('one call per click (issue 14, finding 10)', () => {
    const deferred = () => {
      let resolve;
      let reject;
      const promise = new Promise((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    };

    it('disables the button and says "Starting the call…" while Flex starts the call', async () => {
      const call = deferred();
      Actions.invokeAction.mockImplementation(() => call.promise);
      render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);

      const button = screen.getByRole('button', { name: /Call back/ });
      fireEvent.click(button);
      fireEvent.click(button);
      fireEvent.click(button);

      expect(button).toBeDisabled();
      expect(screen.getByRole('status')).toHaveTextContent('Starting the call…');
      // Flex is asked once (the call is made a microtask later), and the call is still starting
      await act(async () => {});
      expect(Actions.invokeAction).toHaveBeenCalledTimes(1);
      expect(button).toBeDisabled();

      await act(async () => {
        call.resolve();
        await call.promise;
      });
      expect(screen.getByRole('status')).toHaveTextContent('Call to +221 77 123 45 67 started.');
      expect(screen.getByRole('status')).not.toHaveTextContent('Starting');
    });

    it('does not start the same call again once it has started; "Call again" is a deliberate second call', async () => {
      render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);

      fireEvent.click(screen.getByRole('button', { name: /Call back/ }));
      await screen.findByText(/started\. Flex shows it as a new task\./);
      // the outcome, in words, and no "Calling…" left running
      expect(screen.queryByText(/Calling/)).not.toBeInTheDocument();
      // the first button is gone: clicking where it was cannot start the call a second time
      expect(screen.queryByRole('button', { name: /Call back/ })).not.toBeInTheDocument();
      expect(Actions.invokeAction).toHaveBeenCalledTimes(1);

      fireEvent.click(screen.getByRole('button', { name: 'Call again' }));
      await waitFor(() => expect(Actions.invokeAction).toHaveBeenCalledTimes(2));
      await screen.findByRole('button', { name: 'Call again' });
    });

    it('says how the call went in French', async () => {
      __resetManager({ localization: { localeTag: 'fr-FR', availableLocales: [] } });
      const call = deferred();
      Actions.invokeAction.mockImplementation(() => call.promise);
      render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);

      fireEvent.click(screen.getByRole('button', { name: /Rappeler le/ }));
      expect(screen.getByRole('status')).toHaveTextContent('Lancement de l’appel…');
      await act(async () => {
        call.resolve();
        await call.promise;
      });
      expect(screen.getByRole('status')).toHaveTextContent(
        'Appel vers le +221 77 123 45 67 lancé. Flex l’affiche comme une nouvelle tâche.',
      );
      expect(screen.getByRole('button', { name: 'Rappeler à nouveau' })).toBeEnabled();
    });
  });

  it('says so when a call back was requested but no number came with the task', () => {
    render(<UssdTaskInfo task={makeTask({ channel: 'ussd', callback: 'Yes' })} />);
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
    expect(screen.getByText(/asked for a call back, but no phone number/)).toBeInTheDocument();
  });

  it('renders the failure notification content with the number', () => {
    render(<CallbackFailedNotification notificationContext={{ number: '+221771234567' }} />);
    expect(screen.getByText(/Could not start the call back to \+221771234567/)).toBeInTheDocument();
  });
});
