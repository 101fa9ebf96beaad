import { FlexPlugin } from '@twilio/flex-plugin';

import registerUssdFeature from './feature/ussd-task';

export const PLUGIN_NAME = 'UssdPlugin';

export default class UssdPlugin extends FlexPlugin {
  constructor() {
    super(PLUGIN_NAME);
  }

  /**
   * Called by Flex once the plugin is loaded.
   *
   * @param flex    the @twilio/flex-ui module
   * @param manager the Flex manager
   */
  async init(flex, manager) {
    registerUssdFeature(flex, manager);
  }
}
