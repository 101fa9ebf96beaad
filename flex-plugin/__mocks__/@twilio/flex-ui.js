/*
 * Local stand-in for @twilio/flex-ui in Jest (mapped in jest.config.js), in the
 * spirit of Twilio's own plugin tests: the real package needs a running Flex.
 * Content stores and registries record their calls so tests can inspect what
 * the plugin registered (e.g. the `if` option of TaskInfoPanel.Content.add).
 */

const createContentStore = () => ({
  add: jest.fn(),
  remove: jest.fn(),
  replace: jest.fn(),
});

const defaultTemplates = () => ({
  TaskListItem: { firstLine: 'TaskLineTitle', secondLine: 'TaskLineQueue' },
  IncomingTaskCanvas: { firstLine: 'IncomingTaskCanvasFirstLine', secondLine: 'IncomingTaskCanvasSecondLine' },
  TaskCanvasHeader: { title: 'TaskHeaderLine', endButton: 'HangUp' },
  TaskCard: { firstLine: 'TaskCardFirstLine', secondLine: 'TaskCardSecondLine' },
  TaskInfoPanel: { content: 'TaskInfoPanelContent' },
  Supervisor: {
    TaskCanvasHeader: { title: 'SupervisorTaskHeaderLine', endButton: 'HangUp' },
    TaskInfoPanel: { content: 'SupervisorTaskInfoPanelContent' },
    TaskOverviewCanvas: { firstLine: 'TaskOverviewCanvasFirstLine', secondLine: 'TaskOverviewCanvasSecondLine' },
  },
});

const managerInstance = {
  strings: {},
  localization: { localeTag: 'en-US', availableLocales: [], setLocalePreference: jest.fn() },
  configuration: {},
  serviceConfiguration: {},
};

export const Manager = {
  getInstance: jest.fn(() => managerInstance),
};

/** Test helper (not part of Flex): resets the mocked manager to an English agent. */
export const __resetManager = (overrides = {}) => {
  managerInstance.strings = {};
  managerInstance.localization = { localeTag: 'en-US', availableLocales: [], setLocalePreference: jest.fn() };
  managerInstance.configuration = {};
  Object.assign(managerInstance, overrides);
  return managerInstance;
};

export const DefaultTaskChannels = {
  createDefaultTaskChannel: jest.fn((name, isApplicable, icon, iconActive, color) => ({
    name,
    isApplicable,
    icons: { list: icon, main: icon, active: iconActive },
    colors: { main: color },
    templates: defaultTemplates(),
    capabilities: new Set(['Info']),
    componentProps: {},
    charLimit: 0,
  })),
};

export const TaskChannels = {
  register: jest.fn(),
  unregister: jest.fn(),
  getRegistered: jest.fn(() => []),
};

export const TaskInfoPanel = { Content: createContentStore() };

export const Supervisor = {
  TaskInfoPanel: { Content: createContentStore() },
};

export const Actions = {
  invokeAction: jest.fn(() => Promise.resolve()),
  addListener: jest.fn(),
  replaceAction: jest.fn(),
};

export const NotificationType = {
  information: 'information',
  success: 'success',
  warning: 'warning',
  error: 'error',
};

export const Notifications = {
  registeredNotifications: new Map(),
  registerNotification: jest.fn((notification) => {
    Notifications.registeredNotifications.set(notification.id, notification);
  }),
  showNotification: jest.fn(),
  dismissNotificationById: jest.fn(),
};

export const withTheme = (Component) => Component;
export const withTaskContext = (Component) => Component;
