import { STRINGS } from '../strings';

const placeholders = (text) => (text.match(/\{\{\s*\w+\s*\}\}/g) || []).map((p) => p.replace(/\s/g, '')).sort();

describe('plugin strings', () => {
  it('has the same keys in English and French', () => {
    expect(Object.keys(STRINGS.fr).sort()).toEqual(Object.keys(STRINGS.en).sort());
  });

  it('uses the same placeholders in both languages', () => {
    Object.keys(STRINGS.en).forEach((key) => {
      expect([key, placeholders(STRINGS.fr[key])]).toEqual([key, placeholders(STRINGS.en[key])]);
    });
  });

  it('has no empty string', () => {
    ['en', 'fr'].forEach((language) =>
      Object.entries(STRINGS[language]).forEach(([key, text]) => expect([key, text.trim()]).not.toEqual([key, ''])),
    );
  });
});
