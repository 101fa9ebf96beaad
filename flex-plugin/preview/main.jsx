import React from 'react';
import ReactDOM from 'react-dom';
import { DefaultTheme } from '@twilio-paste/core/theme';

import UssdTaskInfo from '../src/feature/ussd-task/components/UssdTaskInfo/UssdTaskInfo';
import {
  askedThreeTimes,
  customMenuWithoutPinned,
  demoAttributesEnglish,
  demoAttributesFrench,
  makeTask,
} from '../src/feature/ussd-task/__tests__/fixtures';

// One scenario per screenshot (docs/screenshots/flex-panel-<name>.png).
const SCENARIOS = {
  // An English-speaking caller's first (and only) request, for an English-speaking agent.
  first: {
    ...demoAttributesEnglish,
    callback: 'Yes',
    answers: demoAttributesEnglish.answers.map((a) => (a.key === 'callback' ? { ...a, label: 'Yes', value: 'Yes' } : a)),
  },
  // Dakar · Shelter, then Touba · Legal with a call back, then Touba · Food and clothing.
  repeats: askedThreeTimes,
  // A French-speaking caller, shown with ?lang=fr-FR to a French-speaking agent.
  french: demoAttributesFrench,
  // A coordinator testing the menu in the editor's phone simulator.
  simulator: { ...demoAttributesFrench, simulation: true },
  // A custom menu: no location or support type question, a long session id.
  custom: {
    ...customMenuWithoutPinned,
    callback: 'Yes',
    answers: [
      ...customMenuWithoutPinned.answers.filter((a) => a.key !== 'callback'),
      { key: 'needs_medical_care', label: 'Yes, urgently', value: 'urgent' },
      {
        key: 'comment',
        label: 'Water is rising in the house, two children with me',
        value: 'Water is rising in the house, two children with me',
      },
      { key: 'callback', label: 'Yes', value: 'Yes' },
    ],
    ussd_session_id: 'ATUid_7f3c2b9e0d1a4c5b8e6f7a9b0c1d2e3f4a5b6c7d',
  },
};

const params = new URLSearchParams(window.location.search);
const name = params.get('scenario') || 'first';
const attributes = SCENARIOS[name] || SCENARIOS.first;
document.title = `USSD panel preview: ${name}`;
// Flex's page sets Paste's typeface for everything; the plugin's ThemeProvider adds no global styles.
document.body.style.fontFamily = DefaultTheme.fonts.fontFamilyText;
document.body.style.color = DefaultTheme.textColors.colorText;

ReactDOM.render(<UssdTaskInfo task={makeTask(attributes)} />, document.getElementById('root'));

// ?click=1 presses "Call back" (the stand-in Flex starts the call after 0.8 s).
if (params.get('click')) {
  const button = document.querySelector('[data-testid="ussd-callback"] button');
  if (button) {
    button.click();
  }
}
