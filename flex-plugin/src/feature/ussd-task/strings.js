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
    UssdNotCallable:
      'The network hides this caller’s number: they cannot be called. Answer with a reply they read when they dial again.',
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
    UssdSafeWindow: 'Safe to call: {{window}} ({{from}}–{{to}} caller’s time)',
    UssdSafeWindowNoHours: 'Safe to call: {{window}}',
    UssdSafeWindowAny: 'Safe to call: any time',
    UssdSafeWindowNone: 'Do not call: the caller will dial back.',
    UssdSafeWindowZone: 'Caller’s time zone: {{zone}}, where it is {{time}} now',
    UssdSafeWindowZoneUnknown: 'Caller’s time zone: {{zone}} (not recognised: their local time is unknown)',
    UssdSafeWindowNoZone: 'No time zone came with the request: the caller’s local time is unknown.',
    UssdWindowMorning: 'morning',
    UssdWindowAfternoon: 'afternoon',
    UssdWindowEvening: 'evening',
    UssdWindowNight: 'night',
    UssdWarnOutsideTitle: 'Outside the caller’s safe window',
    UssdWarnOutside:
      'It is {{time}} for the caller, outside their safe window {{from}}–{{to}}. Calling now may put them at risk.',
    UssdWarnNoneTitle: 'The caller asked not to be called',
    UssdWarnNone: 'The caller asked not to be called: they will dial back. It is {{time}} for them. Calling may put them at risk.',
    UssdWarnNoneUnknownTime:
      'The caller asked not to be called: they will dial back. Their local time is unknown. Calling may put them at risk.',
    UssdWarnUnknownTitle: 'The caller’s local time is unknown',
    UssdWarnUnknownZone:
      'The caller’s local time is unknown (time zone “{{zone}}” is not recognised), so it cannot be checked against their safe window {{window}}. Calling may put them at risk.',
    UssdWarnNoZone:
      'The caller’s local time is unknown (no time zone came with the request), so it cannot be checked against their safe window {{window}}. Calling may put them at risk.',
    UssdWarnBadHours:
      'The hours of their safe window ({{window}}) are missing or cannot be read, so it cannot be checked. It is {{time}} for the caller. Calling may put them at risk.',
    UssdWarnBadHoursTitle: 'The caller’s safe window cannot be checked',
    UssdWarnConfirm: 'Call anyway',
    UssdWarnCancel: 'Don’t call',
    UssdReplyTitle: 'Reply to the caller',
    UssdReplyIntro: 'The caller reads your reply the next time they dial the service code. No SMS is sent.',
    UssdReplyNotConfigured:
      'Replies are not configured: this Flex plugin was built without the address of the USSD service (FLEX_APP_USSD_SERVICE_URL).',
    UssdReplyStatusWaiting: 'Reply waiting',
    UssdReplyStatusRead: 'Reply read',
    UssdCannedLabel: 'Canned reply ({{language}})',
    UssdCannedLabelNoLanguage: 'Canned reply',
    UssdCannedPlaceholder: 'Choose a canned reply…',
    UssdReplyLabel: 'Your reply',
    UssdReplyCounter: '{{used}} / {{max}} characters · {{screens}} of {{maxScreens}} screens',
    UssdReplyCounterUcs2:
      '{{used}} / {{max}} characters · {{screens}} of {{maxScreens}} screens. Because of {{chars}}, a screen holds {{perScreen}} characters.',
    UssdQuotedCharacter: '“{{character}}”',
    UssdReplyTooLong: 'Too long: {{used}} / {{max}} characters, {{screens}} screens ({{maxScreens}} at most).',
    UssdReplyRefusedCharacters:
      'The reply holds an invisible or control character (a tab, a soft hyphen…) that callers’ phones cannot show. Retype it, or paste it as plain text.',
    UssdReplyUseGsm7: 'Write it in GSM-7 instead ({{changes}}): {{perScreen}} characters a screen',
    UssdReplySend: 'Send reply',
    UssdReplySending: 'Sending…',
    UssdReplySent: 'Reply sent. The caller reads it on their next dial.',
    UssdRepliesTitle: 'Replies ({{count}})',
    UssdRepliesNone: 'No reply sent yet.',
    UssdRepliesLoading: 'Loading replies…',
    UssdReplyWaiting: 'Waiting for the caller to dial',
    UssdReplyReadAt: 'Read at {{when}}',
    UssdReplyRead: 'Read',
    UssdReplySentBy: 'Sent {{when}} by {{by}}',
    UssdReplySentAt: 'Sent {{when}}',
    UssdRepliesLoadFailed: 'Replies could not be loaded. {{reason}}',
    UssdReplySendFailed: 'The reply was not sent. {{reason}}',
    UssdErrorUnauthorized:
      'Your Flex sign-in could not be verified (expired or invalid token). Reload Flex or sign in again, then try again.',
    UssdErrorNetwork:
      'The USSD service could not be reached. Check your connection, or ask an administrator whether the service is running and allows requests from Flex.',
    UssdErrorInvalid: 'The service refused it: {{reason}}',
    UssdErrorInvalidNoReason: 'The service refused it as invalid.',
    UssdErrorForbidden: 'Your Flex role may not reply to callers: the service accepts agents, supervisors and administrators.',
    UssdErrorNotFound: 'The USSD service does not know this task, so it takes no reply for it.',
    UssdErrorRateLimited: 'Too many requests in a short time. Wait a minute, then try again.',
    UssdErrorUnavailable: 'The USSD service cannot check Flex sign-ins right now (token check unavailable). Try again in a few minutes.',
    UssdErrorServer: 'The USSD service answered with an error ({{status}}). Try again later.',
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
    UssdNotCallable:
      'Le réseau masque le numéro de cet appelant : il ne peut pas être rappelé. Répondez par une réponse qu’il lira en rappelant le code.',
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
    UssdSafeWindow: 'Appel possible : {{window}} ({{from}}–{{to}}, heure de l’appelant)',
    UssdSafeWindowNoHours: 'Appel possible : {{window}}',
    UssdSafeWindowAny: 'Appel possible : à toute heure',
    UssdSafeWindowNone: 'Ne pas appeler : l’appelant rappellera lui-même.',
    UssdSafeWindowZone: 'Fuseau horaire de l’appelant : {{zone}}, où il est {{time}}',
    UssdSafeWindowZoneUnknown: 'Fuseau horaire de l’appelant : {{zone}} (non reconnu : son heure locale est inconnue)',
    UssdSafeWindowNoZone: 'Aucun fuseau horaire dans la demande : l’heure locale de l’appelant est inconnue.',
    UssdWindowMorning: 'le matin',
    UssdWindowAfternoon: 'l’après-midi',
    UssdWindowEvening: 'le soir',
    UssdWindowNight: 'la nuit',
    UssdWarnOutsideTitle: 'En dehors des heures sûres de l’appelant',
    UssdWarnOutside:
      'Il est {{time}} pour l’appelant, en dehors de ses heures sûres ({{from}}–{{to}}). L’appeler maintenant peut le mettre en danger.',
    UssdWarnNoneTitle: 'L’appelant a demandé à ne pas être appelé',
    UssdWarnNone:
      'L’appelant a demandé à ne pas être appelé : il rappellera lui-même. Il est {{time}} pour lui. L’appeler peut le mettre en danger.',
    UssdWarnNoneUnknownTime:
      'L’appelant a demandé à ne pas être appelé : il rappellera lui-même. Son heure locale est inconnue. L’appeler peut le mettre en danger.',
    UssdWarnUnknownTitle: 'Heure locale de l’appelant inconnue',
    UssdWarnUnknownZone:
      'L’heure locale de l’appelant est inconnue (le fuseau horaire « {{zone}} » n’est pas reconnu) : impossible de vérifier ses heures sûres ({{window}}). L’appeler peut le mettre en danger.',
    UssdWarnNoZone:
      'L’heure locale de l’appelant est inconnue (aucun fuseau horaire dans la demande) : impossible de vérifier ses heures sûres ({{window}}). L’appeler peut le mettre en danger.',
    UssdWarnBadHours:
      'Les heures sûres de l’appelant ({{window}}) manquent ou sont illisibles : impossible de les vérifier. Il est {{time}} pour l’appelant. L’appeler peut le mettre en danger.',
    UssdWarnBadHoursTitle: 'Impossible de vérifier les heures sûres de l’appelant',
    UssdWarnConfirm: 'Appeler quand même',
    UssdWarnCancel: 'Ne pas appeler',
    UssdReplyTitle: 'Répondre à l’appelant',
    UssdReplyIntro: 'L’appelant lit votre réponse la prochaine fois qu’il compose le code de service. Aucun SMS n’est envoyé.',
    UssdReplyNotConfigured:
      'Les réponses ne sont pas configurées : ce plugin Flex a été construit sans l’adresse du service USSD (FLEX_APP_USSD_SERVICE_URL).',
    UssdReplyStatusWaiting: 'Réponse en attente',
    UssdReplyStatusRead: 'Réponse lue',
    UssdCannedLabel: 'Réponse type ({{language}})',
    UssdCannedLabelNoLanguage: 'Réponse type',
    UssdCannedPlaceholder: 'Choisir une réponse type…',
    UssdReplyLabel: 'Votre réponse',
    UssdReplyCounter: '{{used}} / {{max}} caractères · {{screens}} écran(s) sur {{maxScreens}}',
    UssdReplyCounterUcs2:
      '{{used}} / {{max}} caractères · {{screens}} écran(s) sur {{maxScreens}}. À cause de {{chars}}, un écran contient {{perScreen}} caractères.',
    UssdQuotedCharacter: '«\u00a0{{character}}\u00a0»',
    UssdReplyTooLong: 'Trop long : {{used}} / {{max}} caractères, {{screens}} écrans ({{maxScreens}} au plus).',
    UssdReplyRefusedCharacters:
      'La réponse contient un caractère invisible ou de contrôle (tabulation, trait d’union conditionnel…) que les téléphones des appelants ne peuvent pas afficher. Retapez-la, ou collez-la en texte brut.',
    UssdReplyUseGsm7: 'Écrire plutôt en GSM-7 ({{changes}}) : {{perScreen}} caractères par écran',
    UssdReplySend: 'Envoyer la réponse',
    UssdReplySending: 'Envoi…',
    UssdReplySent: 'Réponse envoyée. L’appelant la lira à son prochain appel.',
    UssdRepliesTitle: 'Réponses ({{count}})',
    UssdRepliesNone: 'Aucune réponse envoyée pour l’instant.',
    UssdRepliesLoading: 'Chargement des réponses…',
    UssdReplyWaiting: 'En attente de l’appel de l’appelant',
    UssdReplyReadAt: 'Lue à {{when}}',
    UssdReplyRead: 'Lue',
    UssdReplySentBy: 'Envoyée {{when}} par {{by}}',
    UssdReplySentAt: 'Envoyée {{when}}',
    UssdRepliesLoadFailed: 'Impossible de charger les réponses. {{reason}}',
    UssdReplySendFailed: 'La réponse n’a pas été envoyée. {{reason}}',
    UssdErrorUnauthorized:
      'Votre connexion à Flex n’a pas pu être vérifiée (jeton expiré ou invalide). Rechargez Flex ou reconnectez-vous, puis réessayez.',
    UssdErrorNetwork:
      'Le service USSD est injoignable. Vérifiez votre connexion, ou demandez à un administrateur si le service fonctionne et accepte les requêtes de Flex.',
    UssdErrorInvalid: 'Le service l’a refusée : {{reason}}',
    UssdErrorInvalidNoReason: 'Le service l’a refusée comme invalide.',
    UssdErrorForbidden:
      'Votre rôle Flex ne permet pas de répondre aux appelants : le service accepte les agents, les superviseurs et les administrateurs.',
    UssdErrorNotFound: 'Le service USSD ne connaît pas cette tâche : il n’accepte pas de réponse pour elle.',
    UssdErrorRateLimited: 'Trop de requêtes en peu de temps. Attendez une minute, puis réessayez.',
    UssdErrorUnavailable:
      'Le service USSD ne peut pas vérifier les connexions Flex pour l’instant (vérification du jeton indisponible). Réessayez dans quelques minutes.',
    UssdErrorServer: 'Le service USSD a répondu par une erreur ({{status}}). Réessayez plus tard.',
  },
};

export const DEFAULT_LANGUAGE = 'en';

export const getManager = () => {
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
