/*
 * How long a reply is on the caller's phone, by the server's own rules
 * (ussd/menu/gsm.py): all characters in the GSM 03.38 basic set, or in its
 * extension table (which cost an escape plus the character), make a GSM-7
 * text; a single other character makes the whole text UCS-2, counted in UTF-16
 * code units. The server checks the length again: this is the agent's preview.
 */

// The 127 printable positions of the GSM 03.38 basic set (ESC excluded).
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM7_EXTENSION = new Set('^{}\\[~]|€\f');

export const GSM7_BASIC_SIZE = GSM7_BASIC.size;
export const GSM7_EXTENSION_SIZE = GSM7_EXTENSION.size;

/*
 * Characters that force UCS-2 but have a close GSM-7 spelling: the server's own
 * table (GSM7_SPELLING in ussd/menu/gsm.py), which the editor offers to
 * coordinators too. Offered to the agent as a button, never applied unasked.
 */
const GSM7_SPELLING = {
  ç: 'c',
  ê: 'e',
  ë: 'e',
  ô: 'o',
  â: 'a',
  î: 'i',
  ï: 'i',
  û: 'u',
  ÿ: 'y',
  á: 'a',
  í: 'i',
  ó: 'o',
  ú: 'u',
  ã: 'a',
  õ: 'o',
  ā: 'a',
  È: 'E',
  Ê: 'E',
  Ë: 'E',
  À: 'A',
  Â: 'A',
  Á: 'A',
  Î: 'I',
  Ï: 'I',
  Í: 'I',
  Ô: 'O',
  Ó: 'O',
  Û: 'U',
  Ù: 'U',
  Ú: 'U',
  Œ: 'OE',
  œ: 'oe',
  ŕ: 'r',
  ş: 's',
  Ş: 'S',
  ğ: 'g',
  ı: 'i',
  ɛ: 'e',
  Ɛ: 'E',
  ɔ: 'o',
  Ɔ: 'O',
  ŋ: 'ng',
  Ŋ: 'Ng',
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '«': '"',
  '»': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2026': '...',
  '\u00a0': ' ',
  '\u202f': ' ',
  '\u2009': ' ',
  '\t': ' ',
  '`': "'",
  '´': "'",
};

/** The GSM-7 spelling of a character, or the character itself when it has none. */
export const gsm7Spelling = (character) => GSM7_SPELLING[character] || character;

/** `text` spelled in GSM-7, or null when no full rewrite exists (Arabic, an emoji) or none is needed. */
export const suggestGsm7 = (text) => {
  const rewritten = Array.from(text).map(gsm7Spelling).join('');
  return rewritten !== text && isGsm7(rewritten) ? rewritten : null;
};

/** What the server allows when its answer says nothing (DESIGN §5b: three screens). */
export const DEFAULT_LIMITS = { screens: 3, screen: { gsm7: 150, ucs2: 66 } };

const isGsm7Char = (ch) => GSM7_BASIC.has(ch) || GSM7_EXTENSION.has(ch);

/** True when every character of `text` fits GSM-7 (iterates code points, not code units). */
export const isGsm7 = (text) => Array.from(text).every(isGsm7Char);

/** Length in GSM-7 septets: extension characters count two. */
export const septets = (text) => Array.from(text).reduce((sum, ch) => sum + (GSM7_EXTENSION.has(ch) ? 2 : 1), 0);

/** Length in UTF-16 code units (a character outside the BMP, such as an emoji, counts two). */
export const ucs2Units = (text) => text.length;

/** The distinct characters that force UCS-2, in order of appearance. */
export const ucs2Forcing = (text) => [...new Set(Array.from(text).filter((ch) => !isGsm7Char(ch)))];

const positiveInteger = (value) => (Number.isInteger(value) && value > 0 ? value : 0);

/** The server's `limits`, with the default for anything missing or not a positive whole number. */
export const readLimits = (limits) => {
  const given = limits && typeof limits === 'object' ? limits : {};
  const screen = given.screen && typeof given.screen === 'object' ? given.screen : {};
  return {
    screens: positiveInteger(given.screens) || DEFAULT_LIMITS.screens,
    screen: {
      gsm7: positiveInteger(screen.gsm7) || DEFAULT_LIMITS.screen.gsm7,
      ucs2: positiveInteger(screen.ucs2) || DEFAULT_LIMITS.screen.ucs2,
    },
  };
};

/**
 * The reply as the server stores and measures it: Windows line ends as "\n",
 * composed characters (NFC: "e" + combining accent becomes "é", which GSM-7
 * has), no surrounding blanks.
 */
export const normalizeReply = (text) => {
  const value = typeof text === 'string' ? text.replace(/\r\n/g, '\n') : '';
  return (typeof value.normalize === 'function' ? value.normalize('NFC') : value).trim();
};

// Control, format (soft hyphen, zero-width and direction marks), surrogate and private-use
// characters, which the server refuses; a line break is fine.
// as the server: line breaks and the zero-width (non-)joiners of Bengali and Arabic are kept
const REFUSED_CHARACTERS = /(?![\n\u200c\u200d])[\p{Cc}\p{Cf}\p{Cs}\p{Co}]/u;

/** True when the server would refuse the text for a control or invisible character. */
export const hasRefusedCharacters = (text) => REFUSED_CHARACTERS.test(text);

/**
 * Measures a reply against the limits: characters used in its encoding, screens
 * used (ceil(used / per screen)), the maximum (screens × per screen), and
 * whether it is empty (blank) or over.
 */
export const measureReply = (text, limits = DEFAULT_LIMITS) => {
  const value = typeof text === 'string' ? text : '';
  const { screens: maxScreens, screen } = readLimits(limits);
  const gsm = isGsm7(value);
  const used = gsm ? septets(value) : ucs2Units(value);
  const perScreen = gsm ? screen.gsm7 : screen.ucs2;
  const max = maxScreens * perScreen;
  return {
    encoding: gsm ? 'GSM-7' : 'UCS-2',
    used,
    perScreen,
    max,
    screens: Math.ceil(used / perScreen),
    maxScreens,
    over: used > max,
    empty: value.trim() === '',
    refused: hasRefusedCharacters(value),
    forcing: gsm ? [] : ucs2Forcing(value),
  };
};
