import React from 'react';

import { CHANNEL_COLOR, USSD_CHANNEL, isUssdTask } from '../constants';
import { callerLine, incomingLine, summaryLine, taskListLine } from '../utils/format';
import UssdIcon from './UssdIcon';

// Copies (never mutates) a template group: the default channel's template
// objects may be shared with Flex's other channels.
const group = (templates, key) =>
  templates && templates[key] && typeof templates[key] === 'object' ? templates[key] : {};

/**
 * Builds the `ussd` task channel definition from Flex's default channel, with
 * its own icon and colour and task-driven lines:
 *   task list:     "+221771234567" / "USSD · Dakar · Shelter"
 *   incoming task: "USSD request from +221771234567" / "Dakar · Shelter"
 *   task canvas:   header title "+221771234567"
 * Applies only to tasks whose `channel` attribute is "ussd".
 */
export const createUssdTaskChannel = (flex) => {
  const channel = flex.DefaultTaskChannels.createDefaultTaskChannel(
    USSD_CHANNEL,
    (task) => isUssdTask(task),
    <UssdIcon key="ussd-icon" />,
    <UssdIcon key="ussd-icon-active" />,
    CHANNEL_COLOR,
  );

  const templates = channel.templates && typeof channel.templates === 'object' ? channel.templates : {};
  const supervisor = group(templates, 'Supervisor');

  channel.templates = {
    ...templates,
    TaskListItem: {
      ...group(templates, 'TaskListItem'),
      firstLine: (task) => callerLine(task),
      secondLine: (task) => taskListLine(task),
    },
    IncomingTaskCanvas: {
      ...group(templates, 'IncomingTaskCanvas'),
      firstLine: (task) => incomingLine(task),
      secondLine: (task) => summaryLine(task),
    },
    TaskCanvasHeader: {
      ...group(templates, 'TaskCanvasHeader'),
      title: (task) => callerLine(task),
    },
    TaskCard: {
      ...group(templates, 'TaskCard'),
      firstLine: (task) => callerLine(task),
      secondLine: (task) => taskListLine(task),
    },
    Supervisor: {
      ...supervisor,
      TaskCanvasHeader: {
        ...group(supervisor, 'TaskCanvasHeader'),
        title: (task) => callerLine(task),
      },
      TaskOverviewCanvas: {
        ...group(supervisor, 'TaskOverviewCanvas'),
        firstLine: (task) => callerLine(task),
        secondLine: (task) => taskListLine(task),
      },
    },
  };

  return channel;
};

export const registerUssdTaskChannel = (flex) => {
  const channel = createUssdTaskChannel(flex);
  flex.TaskChannels.register(channel);
  return channel;
};
