import {
  GSM7_BASIC_SIZE,
  GSM7_EXTENSION_SIZE,
  hasRefusedCharacters,
  isGsm7,
  measureReply,
  normalizeReply,
  readLimits,
  suggestGsm7,
} from '../utils/gsm';

const LIMITS = { screens: 3, screen: { gsm7: 150, ucs2: 66 } };

describe('reply length, by the server rules (ussd/menu/gsm.py)', () => {
  it('knows the 127 printable characters of the GSM 03.38 basic set and the 10 of its extension table', () => {
    expect(GSM7_BASIC_SIZE).toBe(127);
    expect(GSM7_EXTENSION_SIZE).toBe(10);
  });

  // [text, encoding, used, screens, over]
  const cases = [
    ['Hello', 'GSM-7', 5, 1, false],
    ['é è ù ì ò à É Ç Ä ö ñ ü', 'GSM-7', 23, 1, false],
    ['a{b}', 'GSM-7', 6, 1, false],
    ['^ { } \\ [ ~ ] | €', 'GSM-7', 26, 1, false],
    ['\f', 'GSM-7', 2, 1, false],
    ['line one\nline two', 'GSM-7', 17, 1, false],
    ['a'.repeat(150), 'GSM-7', 150, 1, false],
    ['a'.repeat(151), 'GSM-7', 151, 2, false],
    ['a'.repeat(450), 'GSM-7', 450, 3, false],
    ['a'.repeat(451), 'GSM-7', 451, 4, true],
    ['{'.repeat(225), 'GSM-7', 450, 3, false],
    ['{'.repeat(226), 'GSM-7', 452, 4, true],
    ['Reçu', 'UCS-2', 4, 1, false],
    ['Votre demande a été reçue', 'UCS-2', 25, 1, false],
    ['Où êtes-vous ?', 'UCS-2', 14, 1, false],
    ['مرحبا', 'UCS-2', 5, 1, false],
    ['ok 😀', 'UCS-2', 5, 1, false],
    ['{ç}', 'UCS-2', 3, 1, false],
    ['ç'.repeat(66), 'UCS-2', 66, 1, false],
    ['ç'.repeat(67), 'UCS-2', 67, 2, false],
    ['ç'.repeat(198), 'UCS-2', 198, 3, false],
    ['ç'.repeat(199), 'UCS-2', 199, 4, true],
    ['', 'GSM-7', 0, 0, false],
  ];

  it.each(cases)('%j is %s, %i characters, %i screens, over: %s', (text, encoding, used, screens, over) => {
    const measure = measureReply(text, LIMITS);
    expect([measure.encoding, measure.used, measure.screens, measure.over]).toEqual([encoding, used, screens, over]);
    expect(measure.max).toBe(encoding === 'GSM-7' ? 450 : 198);
  });

  it('names the characters that force UCS-2, once each, in order', () => {
    expect(measureReply('Reçu, ça ira. Merci ç', LIMITS).forcing).toEqual(['ç']);
    expect(measureReply('Où êtes-vous ? Ô', LIMITS).forcing).toEqual(['ê', 'Ô']);
    expect(measureReply('Hello', LIMITS).forcing).toEqual([]);
  });

  it('counts a blank text as empty', () => {
    expect(measureReply('   \n ', LIMITS).empty).toBe(true);
    expect(measureReply(' a ', LIMITS).empty).toBe(false);
  });

  it('takes the limits the server sends, and the default for what is missing or wrong', () => {
    expect(readLimits({ screens: 2, screen: { gsm7: 100, ucs2: 40 } })).toEqual({ screens: 2, screen: { gsm7: 100, ucs2: 40 } });
    expect(readLimits(undefined)).toEqual(LIMITS);
    expect(readLimits({ screens: 0, screen: { gsm7: '150', ucs2: -1 } })).toEqual(LIMITS);
    expect(measureReply('a'.repeat(201), { screens: 2, screen: { gsm7: 100, ucs2: 40 } }).over).toBe(true);
  });

  it('treats characters outside the basic and extension sets as UCS-2', () => {
    expect(isGsm7('`')).toBe(false);
    expect(isGsm7('’')).toBe(false);
    expect(isGsm7('\t')).toBe(false);
    expect(isGsm7('@£$¥')).toBe(true);
  });

  it('measures the text as the server stores it: NFC, "\\n" line ends, no surrounding blanks', () => {
    // "e" + combining acute is "é" once composed, which GSM-7 has
    expect(normalizeReply('  Cafe\u0301\r\nOui  ')).toBe('Café\nOui');
    expect(measureReply(normalizeReply('Cafe\u0301'), LIMITS)).toMatchObject({ encoding: 'GSM-7', used: 4 });
    expect(measureReply('Cafe\u0301', LIMITS)).toMatchObject({ encoding: 'UCS-2', used: 5 });
  });

  it.each([
    ['a\tb', true],
    ['soft\u00adhyphen', true],
    ['zero\u200bwidth', true],
    ['\ufeffbom', true],
    ['bell\u0007', true],
    ['private \ue000', true],
    ['two\nlines', false],
    ['\u09b0\u200d\u09cd\u09af\u09be\u09ac (Bengali with a zero-width joiner)', false],
    ['\u0645\u200c\u0646 (a zero-width non-joiner)', false],
    ['Où êtes-vous ? 😀', false],
  ])('flags %j as refused by the server: %s', (text, refused) => {
    expect(hasRefusedCharacters(text)).toBe(refused);
    expect(measureReply(text, LIMITS).refused).toBe(refused);
  });

  it.each([
    ['Votre demande est reçue', 'Votre demande est recue'],
    ['L’abri « Plateau » – ouvert…', 'L\'abri " Plateau " - ouvert...'],
    ['Où êtes-vous ?', 'Où etes-vous ?'],
    ['Hello', null],
    ['مرحبا', null],
    ['Reçu 😀', null],
  ])('spells %j in GSM-7 as %j, as the server would suggest', (text, spelled) => {
    expect(suggestGsm7(text)).toBe(spelled);
  });
});
