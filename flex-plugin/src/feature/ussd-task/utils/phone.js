// The "min" metadata build: formatting needs no more, and it is a third of the full one.
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/**
 * A phone number grouped the way its country writes it, in international form
 * ("+221771234567" -> "+221 77 123 45 67"), for reading only: the call back
 * still dials the E.164 text. Anything that is not a possible number for its
 * country (a short code, a simulator's made-up name, a typo) comes back as it was.
 */
export const formatPhone = (number) => {
  if (typeof number !== 'string' || !number.trim().startsWith('+')) {
    return typeof number === 'string' ? number.trim() : '';
  }
  const text = number.trim();
  try {
    const parsed = parsePhoneNumberFromString(text);
    return parsed && parsed.isPossible() ? parsed.formatInternational() : text;
  } catch (e) {
    return text;
  }
};

export default formatPhone;
