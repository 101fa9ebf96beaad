import React from 'react';
import { render, screen } from '@testing-library/react';
import * as flex from '@twilio/flex-ui';

import UssdPlugin, { PLUGIN_NAME } from '../../../UssdPlugin';
import registerUssdFeature from '..';
import { createUssdTaskChannel } from '../channel/UssdTaskChannel';
import { STRINGS } from '../strings';
import {
  askedThreeTimes,
  chatTask,
  customMenuAttributes,
  demoAttributesEnglish,
  demoAttributesFrench,
  makeTask,
  voiceTask,
} from './fixtures';

const ussdTask = makeTask(demoAttributesFrench);

describe('registration with Flex', () => {
  let manager;

  beforeEach(() => {
    manager = flex.__resetManager();
    flex.Notifications.registeredNotifications.clear();
    registerUssdFeature(flex, manager);
  });

  it('adds UssdTaskInfo to the agent task info panel, first, for USSD tasks only', () => {
    expect(flex.TaskInfoPanel.Content.add).toHaveBeenCalledTimes(1);
    const [element, options] = flex.TaskInfoPanel.Content.add.mock.calls[0];
    expect(element.key).toBe('ussd-task-info');
    expect(element.type.displayName).toBe('UssdTaskInfo');
    expect(options.sortOrder).toBe(-1);

    expect(options.if({ task: ussdTask })).toBe(true);
    expect(options.if({ task: voiceTask })).toBe(false);
    expect(options.if({ task: chatTask })).toBe(false);
    expect(options.if({ task: makeTask({ channel: 'sms' }) })).toBe(false);
    expect(options.if({ task: undefined })).toBe(false);
    expect(options.if({})).toBe(false);
  });

  it('adds the same panel to the supervisor task info panel, with the same filter', () => {
    expect(flex.Supervisor.TaskInfoPanel.Content.add).toHaveBeenCalledTimes(1);
    const [element, options] = flex.Supervisor.TaskInfoPanel.Content.add.mock.calls[0];
    expect(element.type.displayName).toBe('UssdTaskInfo');
    expect(element.props.showCallback).toBe(false);
    expect(options.sortOrder).toBe(-1);
    expect(options.if({ task: ussdTask })).toBe(true);
    expect(options.if({ task: voiceTask })).toBe(false);
    expect(options.if({ task: chatTask })).toBe(false);
  });

  it('registers a "ussd" task channel that applies to channel "ussd" tasks only', () => {
    expect(flex.TaskChannels.register).toHaveBeenCalledTimes(1);
    const [channel] = flex.TaskChannels.register.mock.calls[0];
    expect(channel.name).toBe('ussd');
    expect(channel.colors.main).toBe('#6D2ED1');
    expect(channel.isApplicable(ussdTask)).toBe(true);
    expect(channel.isApplicable(voiceTask)).toBe(false);
    expect(channel.isApplicable(chatTask)).toBe(false);
    expect(channel.isApplicable(makeTask({ type: 'ussd_request' }))).toBe(false);

    render(<div>{channel.icons.list}</div>);
    expect(screen.getByTestId('ussd-channel-icon')).toBeInTheDocument();
  });

  it('gives the task list "USSD · location · support type" and the caller number', () => {
    const [channel] = flex.TaskChannels.register.mock.calls[0];
    const { TaskListItem, TaskCanvasHeader, IncomingTaskCanvas, TaskCard, Supervisor } = channel.templates;

    expect(TaskListItem.secondLine(ussdTask)).toBe('USSD · Dakar · Shelter');
    expect(TaskListItem.firstLine(ussdTask)).toBe('+221 77 123 45 67');
    expect(TaskListItem.secondLine(makeTask(customMenuAttributes))).toBe('USSD · Nairobi · Food and clothing');
    expect(TaskListItem.secondLine(makeTask({ channel: 'ussd', location: 'Thiès' }))).toBe('USSD · Thiès');
    expect(TaskListItem.secondLine(makeTask({ channel: 'ussd' }))).toBe('USSD');
    expect(TaskListItem.firstLine(makeTask({ channel: 'ussd' }))).toBe('Unknown caller');

    expect(TaskCanvasHeader.title(ussdTask)).toBe('+221 77 123 45 67');
    expect(IncomingTaskCanvas.firstLine(ussdTask)).toBe('USSD request from +221 77 123 45 67');
    expect(IncomingTaskCanvas.secondLine(ussdTask)).toBe('Dakar · Shelter');
    expect(TaskCard.secondLine(makeTask(demoAttributesEnglish))).toBe('USSD · Nairobi · Food and clothing');
    expect(Supervisor.TaskCanvasHeader.title(ussdTask)).toBe('+221 77 123 45 67');
    // untouched defaults survive
    expect(TaskCanvasHeader.endButton).toBe('HangUp');
    expect(Supervisor.TaskInfoPanel).toEqual({ content: 'SupervisorTaskInfoPanelContent' });
  });

  it('shows the latest answers in the task list, and how often the caller asked', () => {
    const [channel] = flex.TaskChannels.register.mock.calls[0];
    const { TaskListItem, IncomingTaskCanvas, TaskCard } = channel.templates;
    const task = makeTask(askedThreeTimes);

    // not the first request's "Dakar · Shelter"
    expect(TaskListItem.secondLine(task)).toBe('USSD · Touba · Food and clothing · asked 3 times');
    expect(TaskCard.secondLine(task)).toBe('USSD · Touba · Food and clothing · asked 3 times');
    expect(IncomingTaskCanvas.secondLine(task)).toBe('Touba · Food and clothing · asked 3 times');

    flex.__resetManager({ localization: { localeTag: 'fr-FR' } });
    expect(TaskListItem.secondLine(task)).toBe('USSD · Touba · Food and clothing · demandé 3 fois');
  });

  it('does not modify the default channel templates it starts from', () => {
    const shared = {
      name: 'default',
      isApplicable: () => true,
      templates: { TaskListItem: { firstLine: 'TaskLineTitle' } },
    };
    flex.DefaultTaskChannels.createDefaultTaskChannel.mockReturnValueOnce(shared);
    const defaultsBefore = shared.templates.TaskListItem;
    createUssdTaskChannel(flex);
    expect(defaultsBefore).toEqual({ firstLine: 'TaskLineTitle' });
  });

  it('uses French lines for a French-speaking agent', () => {
    flex.__resetManager({ localization: { localeTag: 'fr-FR' } });
    const channel = createUssdTaskChannel(flex);
    expect(channel.templates.IncomingTaskCanvas.firstLine(ussdTask)).toBe('Demande USSD de +221 77 123 45 67');
    // the caller's own words (a French caller), not the English value
    expect(channel.templates.TaskListItem.secondLine(ussdTask)).toBe('USSD · Dakar · Abri');
    expect(channel.templates.TaskListItem.firstLine(makeTask({ channel: 'ussd' }))).toBe('Appelant inconnu');
  });

  it('merges the plugin strings into manager.strings without overriding existing ones', () => {
    expect(manager.strings.UssdPanelTitle).toBe(STRINGS.en.UssdPanelTitle);

    const french = flex.__resetManager({
      localization: { localeTag: 'fr-FR' },
      strings: { UssdFieldLocation: 'Ville', TaskHeaderLine: 'kept' },
    });
    registerUssdFeature(flex, french);
    expect(french.strings.UssdPanelTitle).toBe('Demande USSD');
    expect(french.strings.UssdFieldLocation).toBe('Ville');
    expect(french.strings.TaskHeaderLine).toBe('kept');
  });

  it('registers the call-back failure notification once', () => {
    expect(flex.Notifications.registerNotification).toHaveBeenCalledTimes(1);
    const [notification] = flex.Notifications.registerNotification.mock.calls[0];
    expect(notification.id).toBe('UssdCallbackFailed');
    expect(notification.type).toBe('error');

    registerUssdFeature(flex, manager);
    expect(flex.Notifications.registerNotification).toHaveBeenCalledTimes(1);
  });
});

describe('UssdPlugin', () => {
  it('registers the USSD feature when Flex initialises it', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    const plugin = new UssdPlugin();
    expect(plugin.name).toBe(PLUGIN_NAME);

    const manager = flex.__resetManager();
    await plugin.init(flex, manager);

    expect(flex.TaskChannels.register).toHaveBeenCalledTimes(1);
    expect(flex.TaskInfoPanel.Content.add).toHaveBeenCalledTimes(1);
    expect(flex.Supervisor.TaskInfoPanel.Content.add).toHaveBeenCalledTimes(1);
    log.mockRestore();
  });
});
