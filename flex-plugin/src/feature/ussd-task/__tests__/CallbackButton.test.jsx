import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
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

    fireEvent.click(screen.getByRole('button', { name: /Call back \+221771234567/ }));

    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('Calling +221771234567…'));
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
    expect(alert).toHaveTextContent('Could not start the call back to +221771234567');
    expect(alert).toHaveTextContent('Outbound calling may not be enabled for this Flex account');
    expect(Notifications.showNotification).toHaveBeenCalledWith('UssdCallbackFailed', { number: '+221771234567' });
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
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
      'Impossible de rappeler le +221771234567. Les appels sortants ne sont peut-être pas activés',
    );
    warn.mockRestore();
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
