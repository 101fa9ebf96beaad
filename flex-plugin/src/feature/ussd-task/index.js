import React from 'react';

import { registerUssdTaskChannel } from './channel/UssdTaskChannel';
import CallbackFailedNotification from './components/CallbackButton/CallbackFailedNotification';
import UssdTaskInfo from './components/UssdTaskInfo/UssdTaskInfo';
import { CALLBACK_FAILED_NOTIFICATION, SUPERVISOR_TASK_INFO_KEY, TASK_INFO_KEY, isUssdTask } from './constants';
import { registerStrings } from './strings';

/** `if` of both TaskInfoPanel registrations: only tasks whose channel attribute is "ussd". */
export const showForUssdTask = ({ task } = {}) => isUssdTask(task);

export const registerCallbackNotification = (flex) => {
  const { Notifications, NotificationType } = flex;
  if (!Notifications || typeof Notifications.registerNotification !== 'function') {
    return;
  }
  const registered = Notifications.registeredNotifications;
  if (registered && typeof registered.has === 'function' && registered.has(CALLBACK_FAILED_NOTIFICATION)) {
    return;
  }
  Notifications.registerNotification({
    id: CALLBACK_FAILED_NOTIFICATION,
    type: (NotificationType && NotificationType.error) || 'error',
    closeButton: true,
    timeout: 10000,
    content: <CallbackFailedNotification />,
  });
};

export const registerUssdTaskInfo = (flex) => {
  flex.TaskInfoPanel.Content.add(<UssdTaskInfo key={TASK_INFO_KEY} />, {
    sortOrder: -1,
    if: showForUssdTask,
  });

  // Supervisors see the same panel, without the agent's "Call back" button.
  const supervisorPanel = flex.Supervisor && flex.Supervisor.TaskInfoPanel;
  if (supervisorPanel && supervisorPanel.Content) {
    supervisorPanel.Content.add(<UssdTaskInfo key={SUPERVISOR_TASK_INFO_KEY} showCallback={false} />, {
      sortOrder: -1,
      if: showForUssdTask,
    });
  }
};

/** Everything the USSD feature adds to Flex. */
export const registerUssdFeature = (flex, manager) => {
  registerStrings(manager);
  registerUssdTaskChannel(flex);
  registerUssdTaskInfo(flex);
  registerCallbackNotification(flex);
};

export default registerUssdFeature;
