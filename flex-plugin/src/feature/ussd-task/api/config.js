/*
 * Where the USSD service is and who the agent is, as Flex UI 2.x gives them.
 *
 * The service's base URL is set when the plugin is built: flex-plugin-scripts
 * passes every FLEX_APP_* variable (from the environment or flex-plugin/.env)
 * to the bundle as process.env.FLEX_APP_*. Without it the reply box says that
 * replies are not configured.
 */

/** The base URL without trailing slashes, or '' when it is unset or not an http(s) URL. */
export const readServiceUrl = (raw) => {
  const text = typeof raw === 'string' ? raw.trim().replace(/\/+$/, '') : '';
  if (!/^https?:\/\/[^\s/]+/i.test(text)) {
    return '';
  }
  return text;
};

export const getServiceUrl = () => {
  try {
    return readServiceUrl(process.env.FLEX_APP_USSD_SERVICE_URL);
  } catch (e) {
    return '';
  }
};

/**
 * The agent's Flex token (sent as a Bearer token; the server validates it with
 * Twilio). Read at each request, so a token Flex has renewed is used at once:
 * `manager.user.token` (Flex UI 2.x UserInfo), else the session's SSO token
 * payload in the Redux store. '' when neither is there.
 */
export const getFlexToken = (manager) => {
  try {
    const user = manager && manager.user;
    if (user && typeof user.token === 'string' && user.token) {
      return user.token;
    }
  } catch (e) {
    // fall through to the store
  }
  try {
    const state = manager && manager.store && manager.store.getState();
    const token = state && state.flex && state.flex.session && state.flex.session.ssoTokenPayload.token;
    return typeof token === 'string' ? token : '';
  } catch (e) {
    return '';
  }
};
