// Names shared with the server (the pinned task-attribute contract).
export const USSD_CHANNEL = 'ussd';
export const USSD_TASK_TYPE = 'ussd_request';

// Answers shown first, in this order; every other entry of `answers` follows.
export const PRIMARY_FIELDS = [
  { key: 'language', labelKey: 'UssdFieldLanguage' },
  { key: 'location', labelKey: 'UssdFieldLocation' },
  { key: 'support_type', labelKey: 'UssdFieldSupportType' },
  { key: 'callback', labelKey: 'UssdFieldCallback' },
];

export const CHANNEL_COLOR = '#6D2ED1';
export const CALLBACK_FAILED_NOTIFICATION = 'UssdCallbackFailed';
export const TASK_INFO_KEY = 'ussd-task-info';
export const SUPERVISOR_TASK_INFO_KEY = 'ussd-task-info-supervisor';

/**
 * True for tasks created by the USSD server. This is the `isApplicable` of the
 * task channel and the `if` of both TaskInfoPanel registrations, so voice, chat
 * and every other task (including the outbound call started by "Call back",
 * which carries no `channel` attribute) keep Flex's own UI.
 */
export const isUssdTask = (task) =>
  Boolean(task && task.attributes && task.attributes.channel === USSD_CHANNEL);
