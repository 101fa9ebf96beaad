// Copy this file to public/appConfig.js to run the plugin locally with
// `twilio flex:plugins:start`. appConfig.js is git-ignored.
var appConfig = {
  pluginService: {
    enabled: true,
    url: '/plugins',
  },
  ytica: false,
  logLevel: 'info',
  showSupervisorDesktopView: true,
};
