import { Manager } from '@twilio/flex-ui';

/*
 * Plugin strings. They are merged into Flex's `manager.strings` at start-up
 * (without overwriting keys that are already there), so an administrator can
 * override any of them like a built-in Flex string. `{{name}}` placeholders are
 * filled in by `t()`.
 */
export const STRINGS = {
  en: {
    UssdChannelName: 'USSD',
    UssdPanelTitle: 'USSD request',
    UssdSimulationNotice: 'Test request from the menu simulator: no caller is waiting.',
    UssdFieldLanguage: 'Language',
    UssdFieldLocation: 'Location',
    UssdFieldSupportType: 'Support type',
    UssdFieldCallback: 'Call back requested',
    UssdOtherAnswers: 'Other answers',
    UssdDetails: 'Request details',
    UssdFieldCaller: 'Caller',
    UssdFieldServiceCode: 'Service code',
    UssdFieldMenu: 'Menu',
    UssdMenuWithVersion: '{{menu}} (version {{version}})',
    UssdFieldSubmittedAt: 'Submitted',
    UssdFieldFirstSubmittedAt: 'First request',
    UssdFieldSession: 'USSD session',
    UssdAnswerNumber: 'Answer {{number}}',
    UssdNotGiven: 'Not given',
    UssdYes: 'Yes',
    UssdNo: 'No',
    UssdCallerChose: 'caller chose “{{label}}”',
    UssdUnknownCaller: 'Unknown caller',
    UssdIncomingLine: 'USSD request from {{caller}}',
    UssdCallBack: 'Call back {{number}}',
    UssdCallBackStarting: 'Starting the call…',
    UssdCallBackStarted: 'Call to {{number}} started. Flex shows it as a new task.',
    UssdCallBackAgain: 'Call again',
    UssdCallBackNoNumber: 'The caller asked for a call back, but no phone number came with the request.',
    UssdCallBackFailed:
      'Could not start the call back to {{number}}. Outbound calling may not be enabled for this Flex account: ask an administrator to turn on outbound calls, or dial the number from another phone.',
    UssdPanelError: 'This USSD request could not be displayed in full.',
    UssdErrorLabel: '(error)',
    UssdWarningLabel: '(warning)',
    UssdNoAnswers: 'No answers came with this request.',
    UssdAnswersUnreadable: 'Some answers could not be read.',
    UssdAskedTimes: 'Asked {{count}} times',
    UssdAskedTimesShort: 'asked {{count}} times',
    UssdLatestShown: 'Latest answers first (request {{count}}, {{when}}). Every request is listed below.',
    UssdLatestShownNoTime: 'Latest answers first (request {{count}}). Every request is listed below.',
    UssdChangedIn: 'changed in request {{number}}, was “{{previous}}”',
    UssdAddedIn: 'added in request {{number}}',
    UssdWas: 'was “{{value}}”',
    UssdRequestsTitle: 'Every request ({{count}})',
    UssdRequestTitle: 'Request {{number}} · {{when}}',
    UssdRequestTitleNoTime: 'Request {{number}}',
    UssdRequestSession: 'USSD session {{session}}',
  },
  fr: {
    UssdChannelName: 'USSD',
    UssdPanelTitle: 'Demande USSD',
    UssdSimulationNotice: 'Demande de test envoyée depuis le simulateur de menu : aucun appelant n’attend.',
    UssdFieldLanguage: 'Langue',
    UssdFieldLocation: 'Lieu',
    UssdFieldSupportType: 'Type d’aide',
    UssdFieldCallback: 'Rappel demandé',
    UssdOtherAnswers: 'Autres réponses',
    UssdDetails: 'Détails de la demande',
    UssdFieldCaller: 'Appelant',
    UssdFieldServiceCode: 'Code de service',
    UssdFieldMenu: 'Menu',
    UssdMenuWithVersion: '{{menu}} (version {{version}})',
    UssdFieldSubmittedAt: 'Envoyée le',
    UssdFieldFirstSubmittedAt: 'Première demande',
    UssdFieldSession: 'Session USSD',
    UssdAnswerNumber: 'Réponse {{number}}',
    UssdNotGiven: 'Non renseigné',
    UssdYes: 'Oui',
    UssdNo: 'Non',
    UssdCallerChose: 'choix de l’appelant : « {{label}} »',
    UssdUnknownCaller: 'Appelant inconnu',
    UssdIncomingLine: 'Demande USSD de {{caller}}',
    UssdCallBack: 'Rappeler le {{number}}',
    UssdCallBackStarting: 'Lancement de l’appel…',
    UssdCallBackStarted: 'Appel vers le {{number}} lancé. Flex l’affiche comme une nouvelle tâche.',
    UssdCallBackAgain: 'Rappeler à nouveau',
    UssdCallBackNoNumber: 'L’appelant a demandé à être rappelé, mais la demande ne contient aucun numéro.',
    UssdCallBackFailed:
      'Impossible de rappeler le {{number}}. Les appels sortants ne sont peut-être pas activés pour ce compte Flex : demandez à un administrateur de les activer, ou composez le numéro depuis un autre téléphone.',
    UssdPanelError: 'Cette demande USSD n’a pas pu être affichée en entier.',
    UssdErrorLabel: '(erreur)',
    UssdWarningLabel: '(avertissement)',
    UssdNoAnswers: 'Cette demande ne contient aucune réponse.',
    UssdAnswersUnreadable: 'Certaines réponses n’ont pas pu être lues.',
    UssdAskedTimes: 'Demandé {{count}} fois',
    UssdAskedTimesShort: 'demandé {{count}} fois',
    UssdLatestShown: 'Dernières réponses en premier (demande {{count}}, {{when}}). Chaque demande est listée plus bas.',
    UssdLatestShownNoTime: 'Dernières réponses en premier (demande {{count}}). Chaque demande est listée plus bas.',
    UssdChangedIn: 'modifié dans la demande {{number}}, avant : « {{previous}} »',
    UssdAddedIn: 'ajouté dans la demande {{number}}',
    UssdWas: 'avant : « {{value}} »',
    UssdRequestsTitle: 'Toutes les demandes ({{count}})',
    UssdRequestTitle: 'Demande {{number}} · {{when}}',
    UssdRequestTitleNoTime: 'Demande {{number}}',
    UssdRequestSession: 'Session USSD {{session}}',
  },
};

export const DEFAULT_LANGUAGE = 'en';

const getManager = () => {
  try {
    return Manager && typeof Manager.getInstance === 'function' ? Manager.getInstance() : undefined;
  } catch (e) {
    return undefined;
  }
};

/**
 * The agent's UI locale tag (e.g. "fr-FR"): Flex 2.x's own locale preference
 * (`manager.localization.localeTag`), then the `language` of the Flex
 * configuration, then the browser's language.
 */
export const getLocaleTag = (manager = getManager()) => {
  const candidates = [
    manager && manager.localization && manager.localization.localeTag,
    manager && manager.configuration && manager.configuration.language,
    typeof navigator !== 'undefined' ? navigator.language : undefined,
  ];
  const found = candidates.find((tag) => typeof tag === 'string' && tag.trim());
  return found ? found.trim() : DEFAULT_LANGUAGE;
};

/** "fr-FR" -> "fr"; anything we have no strings for -> "en". */
export const getLanguage = (manager = getManager()) => {
  const base = getLocaleTag(manager).toLowerCase().split(/[-_]/)[0];
  return STRINGS[base] ? base : DEFAULT_LANGUAGE;
};

export const interpolate = (template, values = {}) =>
  String(template).replace(/\{\{\s*(\w+)\s*\}\}/g, (match, name) =>
    values[name] === undefined || values[name] === null ? '' : String(values[name]),
  );

/**
 * Translates `key`: an override in Flex's manager.strings wins, then the
 * plugin's strings for the agent's language, then English.
 */
export const t = (key, values, manager = getManager()) => {
  const language = getLanguage(manager);
  const fromManager = manager && manager.strings && manager.strings[key];
  const template =
    (typeof fromManager === 'string' && fromManager) || STRINGS[language][key] || STRINGS[DEFAULT_LANGUAGE][key] || key;
  return interpolate(template, values);
};

/**
 * Adds the plugin strings for the agent's language to manager.strings, keeping
 * anything already defined there (admin overrides in the Flex configuration).
 */
export const registerStrings = (manager) => {
  if (!manager) {
    return;
  }
  const language = getLanguage(manager);
  manager.strings = {
    ...STRINGS[DEFAULT_LANGUAGE],
    ...STRINGS[language],
    ...(manager.strings || {}),
  };
};

/** Canonical "Yes"/"No" shown in the agent's language; other values unchanged. */
export const translateYesNo = (value, manager) => {
  if (/^yes$/i.test(value)) {
    return t('UssdYes', undefined, manager);
  }
  if (/^no$/i.test(value)) {
    return t('UssdNo', undefined, manager);
  }
  return value;
};
