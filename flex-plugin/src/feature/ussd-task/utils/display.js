import { getLocaleTag, translateYesNo } from '../strings';
import { toText } from './attributes';

// The server's canonical language names (ussd/handoff/outbox.py LANGUAGE_NAMES,
// plus the system-text languages of DESIGN §7) and their codes.
const LANGUAGE_CODES = {
  english: 'en',
  french: 'fr',
  portuguese: 'pt',
  spanish: 'es',
  arabic: 'ar',
  swahili: 'sw',
  bengali: 'bn',
  wolof: 'wo',
  hausa: 'ha',
  amharic: 'am',
  somali: 'so',
  lingala: 'ln',
  kinyarwanda: 'rw',
  yoruba: 'yo',
  igbo: 'ig',
  twi: 'tw',
};

/** "French" or "fr" or "fr-SN" -> "fr"; '' when the value names no language we know. */
export const languageCode = (value) => {
  const text = toText(value).toLowerCase();
  if (LANGUAGE_CODES[text]) {
    return LANGUAGE_CODES[text];
  }
  const base = text.split(/[-_]/)[0];
  return Object.values(LANGUAGE_CODES).includes(base) ? base : '';
};

/** The name of a language in the agent's language ("French" -> "Français" for a French agent). */
export const languageName = (value, localeTag = getLocaleTag()) => {
  const code = languageCode(value);
  if (!code || typeof Intl === 'undefined' || typeof Intl.DisplayNames !== 'function') {
    return '';
  }
  try {
    const name = new Intl.DisplayNames([localeTag, 'en'], { type: 'language' }).of(code);
    if (!name || name.toLowerCase() === code) {
      return '';
    }
    return name.charAt(0).toLocaleUpperCase(localeTag) + name.slice(1);
  } catch (e) {
    return '';
  }
};

/** Same text for a reader: ignores case and surrounding spaces ("No" and "no"). */
export const sameText = (a, b) => toText(a).toLowerCase() === toText(b).toLowerCase();

/**
 * How one answer reads for the agent: `text` first, then `callerWords` (what the
 * caller saw or typed, when it says something else) or, for custom questions,
 * `code` (the canonical value, when it is not the label in other case).
 *
 * Pinned fields: callback as a translated Yes/No, the language by its name in the
 * agent's language, any other value in the caller's own words when the caller
 * used the agent's language (a French agent reads "Abri", not "Shelter"), else
 * the canonical value.
 */
export const describeAnswer = (answer, { pinned = false, callerLanguage = '' } = {}) => {
  const value = toText(answer && answer.value);
  const label = toText(answer && answer.label);
  if (!pinned) {
    const text = label || value;
    return { text, callerWords: '', code: label && value && !sameText(label, value) ? value : '' };
  }
  let text;
  if (answer.key === 'callback') {
    text = translateYesNo(value || label);
  } else if (answer.key === 'language') {
    text = languageName(value || label) || value || label;
  } else {
    // The agent's locale, not the plugin's strings: a Portuguese agent reads an
    // English panel, and still the caller's Portuguese words.
    const agentLanguage = getLocaleTag().toLowerCase().split(/[-_]/)[0];
    const agentSpeaksIt = Boolean(languageCode(callerLanguage)) && languageCode(callerLanguage) === agentLanguage;
    text = (agentSpeaksIt && label) || value || label;
  }
  return { text, callerWords: label && !sameText(label, text) ? label : '', code: '' };
};
