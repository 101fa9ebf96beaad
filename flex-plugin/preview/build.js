/*
 * Builds preview/dist/preview.js: UssdTaskInfo with the real Paste theme and a
 * stand-in for @twilio/flex-ui, for looking at the panel in a browser without
 * Flex. Uses the webpack 4 and Babel the plugin already installs (no network).
 * Not used by `npm test` or `npm run build`.
 */
const path = require('path');
const webpack = require('webpack');

const config = {
  mode: 'production',
  context: __dirname,
  entry: path.join(__dirname, 'main.jsx'),
  output: { path: path.join(__dirname, 'dist'), filename: 'preview.js' },
  resolve: {
    extensions: ['.js', '.jsx', '.json'],
    alias: { '@twilio/flex-ui$': path.join(__dirname, 'flex-ui-stub.js') },
  },
  module: {
    rules: [
      {
        test: /\.jsx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'babel-loader',
          options: {
            babelrc: false,
            configFile: false,
            presets: [
              ['@babel/preset-env', { targets: 'last 2 Chrome versions' }],
              ['@babel/preset-react', { runtime: 'classic' }],
            ],
          },
        },
      },
    ],
  },
  // The reply box needs the service's address; the preview answers its requests itself.
  plugins: [
    new webpack.DefinePlugin({
      'process.env.FLEX_APP_USSD_SERVICE_URL': JSON.stringify(process.env.PREVIEW_SERVICE_URL || 'https://ussd.example.org'),
    }),
  ],
  performance: { hints: false },
  devtool: false,
};

webpack(config, (error, stats) => {
  if (error || stats.hasErrors()) {
    // eslint-disable-next-line no-console
    console.error(error || stats.toString('errors-only'));
    process.exit(1);
  }
  // eslint-disable-next-line no-console
  console.log(stats.toString({ colors: false, modules: false, assets: true, children: false }));
});
