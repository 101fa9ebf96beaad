import React from 'react';
import ReactDOM from 'react-dom';
import { DefaultTheme } from '@twilio-paste/core/theme';

import UssdTaskInfo from '../src/feature/ussd-task/components/UssdTaskInfo/UssdTaskInfo';
import { clock } from '../src/feature/ussd-task/utils/safeWindow';
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

// A French-speaking caller in Dakar who may be called in the morning and has a reply waiting.
const replyScenario = {
  ...demoAttributesFrench,
  callback_window: 'morning',
  callback_hours: { from: '08:00', to: '12:00' },
  caller_timezone: 'Africa/Dakar',
  reply_status: 'waiting',
};
SCENARIOS.reply = replyScenario;
SCENARIOS['callback-warning'] = replyScenario;

const params = new URLSearchParams(window.location.search);
const name = params.get('scenario') || 'first';

/*
 * The USSD service's reply API, answered in the page (no network): this task's
 * replies (one waiting, one read), canned replies in French, the limits; a POST
 * fails with ?post=<status> (and the server's reason for 400), else succeeds.
 */
const today = (hours, minutes) => {
  const date = new Date();
  date.setHours(hours, minutes, 0, 0);
  return date.toISOString();
};
const REPLIES = {
  replies: [
    {
      id: 7,
      text: 'Une place est prête pour vous ce soir au centre Plateau. Dites « abri 24 » à l’accueil.',
      status: 'waiting',
      created_at: today(14, 0),
      read_at: null,
      by: 'amina@ngo.example',
    },
    {
      id: 6,
      text: 'Nous avons bien reçu votre demande. Une conseillère vous répond ici demain matin.',
      status: 'read',
      created_at: today(9, 40),
      read_at: today(11, 5),
      by: 'moussa@ngo.example',
    },
  ],
  language: 'fr',
  canned: [
    { id: 1, title: 'Shelter address', text: 'L’abri est au 12 rue Carnot, Dakar. Ouvert jour et nuit. Dites « abri » à l’accueil.' },
    { id: 2, title: 'Legal aid appointment', text: 'Une juriste vous reçoit lundi à 9h au 4 avenue Senghor. Venez avec une pièce d’identité si possible.' },
  ],
  limits: { screens: 3, screen: { gsm7: 150, ucs2: 66 } },
};
const POST_ERRORS = {
  400: { error: 'The reply is longer than 3 screens for this caller.' },
  401: { error: 'invalid token' },
  404: { error: 'unknown task' },
  429: { error: 'too many replies' },
  503: { error: 'token validation unavailable' },
};
const answer = (status, body) =>
  new Promise((resolve) => {
    setTimeout(() => resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })), 50);
  });
// ?live=1 leaves the browser's fetch alone, to try the page against a running USSD service
// (build with PREVIEW_SERVICE_URL set, serve the page from an origin in FLEX_ALLOWED_ORIGINS).
const pageFetch = (url, options = {}) => {
  if (options.method === 'POST') {
    const failure = params.get('post');
    return failure ? answer(Number(failure), POST_ERRORS[failure] || {}) : answer(201, { id: 8, status: 'waiting' });
  }
  return answer(200, REPLIES);
};
if (!params.get('live')) {
  window.fetch = pageFetch;
}

// ?now=22:40 sets the clock (UTC, which is Dakar's time) for the safe-window check.
const at = params.get('now');
if (at) {
  const [hours, minutes] = at.split(':').map(Number);
  clock.now = () => {
    const date = new Date();
    date.setUTCHours(hours, minutes, 0, 0);
    return date;
  };
}
const attributes = SCENARIOS[name] || SCENARIOS.first;
document.title = `USSD panel preview: ${name}`;
// Flex's page sets Paste's typeface for everything; the plugin's ThemeProvider adds no global styles.
document.body.style.fontFamily = DefaultTheme.fonts.fontFamilyText;
document.body.style.color = DefaultTheme.textColors.colorText;

// The earlier screenshots show the panel as it was before the reply box; these show it.
const WITH_REPLIES = ['reply', 'callback-warning'];
ReactDOM.render(
  <UssdTaskInfo task={makeTask(attributes)} showReplies={WITH_REPLIES.includes(name)} />,
  document.getElementById('root'),
);

// ?click=1 presses "Call back" (the stand-in Flex starts the call after 0.8 s).
if (params.get('click')) {
  const button = document.querySelector('[data-testid="ussd-callback"] button');
  if (button) {
    button.click();
  }
}

/** Calls `then` with the element once it is in the page (the replies arrive after a moment). */
const whenThere = (selector, then, tries = 40) => {
  const element = document.querySelector(selector);
  if (element) {
    then(element);
  } else if (tries > 0) {
    setTimeout(() => whenThere(selector, then, tries - 1), 50);
  }
};

// ?canned=<id> chooses a canned reply as an agent would; ?send=1 then presses Send.
const canned = params.get('canned');
if (canned) {
  whenThere('[data-testid="ussd-canned"]', (select) => {
    const setValue = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
    setValue.call(select, canned);
    select.dispatchEvent(new Event('change', { bubbles: true }));
    if (params.get('send')) {
      setTimeout(() => {
        const send = document.querySelector('[data-testid="ussd-reply-send"]');
        if (send && !send.disabled) {
          send.click();
        }
      }, 50);
    }
  });
}
