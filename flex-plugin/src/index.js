import * as FlexPlugin from '@twilio/flex-plugin';

import UssdPlugin from './UssdPlugin';

FlexPlugin.loadPlugin(UssdPlugin);
