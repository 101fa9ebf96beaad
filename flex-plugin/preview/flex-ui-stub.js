/*
 * The little of @twilio/flex-ui the panel uses, for the preview page only (the
 * real package needs a running Flex). The agent's locale comes from the page's
 * `lang` query parameter; StartOutboundCall succeeds after a short delay.
 */
const lang = new URLSearchParams(window.location.search).get('lang') || 'en-US';

const manager = {
  strings: {},
  localization: { localeTag: lang },
  configuration: {},
  // The reply box sends the agent's Flex token; the preview's own fetch ignores it.
  user: { identity: 'amina@ngo.example', token: 'preview-token' },
};

export const Manager = { getInstance: () => manager };

export const Actions = {
  invokeAction: (name, payload) =>
    new Promise((resolve) => {
      // eslint-disable-next-line no-console
      console.log('[preview] invokeAction', name, payload && payload.destination);
      setTimeout(resolve, 800);
    }),
};

export const Notifications = {
  registeredNotifications: new Map(),
  registerNotification: () => {},
  showNotification: () => {},
};

export const NotificationType = { error: 'error' };
