// Submission times are rendered in the agent's local time zone; pin it so the
// tests give the same text on every machine (set before any test worker starts).
process.env.TZ = 'UTC';
// The reply box talks to the USSD service only in the tests that set its URL (with a mocked
// fetch); a URL exported in the developer's shell must not reach the other tests.
delete process.env.FLEX_APP_USSD_SERVICE_URL;

module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/src'],
  testMatch: ['<rootDir>/src/**/__tests__/**/*.test.{js,jsx}', '<rootDir>/src/**/*.test.{js,jsx}'],
  moduleFileExtensions: ['js', 'jsx', 'json'],
  transform: {
    '^.+\\.(js|jsx)$': [
      'babel-jest',
      {
        babelrc: false,
        configFile: false,
        presets: [['@babel/preset-env', { targets: { node: 'current' } }], ['@babel/preset-react', { runtime: 'classic' }]],
      },
    ],
  },
  moduleNameMapper: {
    // Flex itself is never loaded in tests: a local mock records what the plugin registers.
    '^@twilio/flex-ui$': '<rootDir>/__mocks__/@twilio/flex-ui.js',
    // Paste icons are imported from their ES-module build; Jest loads the CommonJS twin.
    '^@twilio-paste/icons/esm/(.*)$': '@twilio-paste/icons/cjs/$1',
  },
  setupFilesAfterEnv: ['<rootDir>/src/setupTests.js'],
  // FlexPlugin's constructor reads these; flex-plugin-scripts defines them at build time.
  globals: {
    __FPB_PLUGIN_UNIQUE_NAME: 'plugin-ussd',
    __FPB_PLUGIN_VERSION: '0.0.0-test',
    __FPB_FLEX_PLUGIN_SCRIPTS_VERSION: 'test',
    __FPB_FLEX_PLUGIN_VERSION: 'test',
    __FPB_FLEX_UI_VERSION: 'test',
    __FPB_REACT_VERSION: 'test',
    __FPB_REACT_DOM_VERSION: 'test',
  },
  clearMocks: true,
};
