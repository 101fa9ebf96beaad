/*
 * The counter must count as the server does: read the server's own tables from
 * ussd/menu/gsm.py (in this repository) and compare them with the plugin's,
 * character by character. Its double-quoted literals are valid JSON strings.
 */
import fs from 'fs';
import path from 'path';

import { GSM7_BASIC_SIZE, GSM7_EXTENSION_SIZE, gsm7Spelling, isGsm7, septets } from '../utils/gsm';

const SERVER_TABLES = path.resolve(__dirname, '../../../../../ussd/menu/gsm.py');
const source = fs.existsSync(SERVER_TABLES) ? fs.readFileSync(SERVER_TABLES, 'utf8') : '';
const STRING = /"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'/g;

const literal = (match) =>
  match[1] !== undefined ? JSON.parse(`"${match[1]}"`) : JSON.parse(`"${match[2].replace(/"/g, '\\"')}"`);

/** The characters of the string literals inside `NAME = frozenset( … )`. */
const frozenset = (name) => {
  const block = new RegExp(`^${name} = frozenset\\(([\\s\\S]*?)\\n?\\)$`, 'm').exec(source);
  return block ? Array.from([...block[1].matchAll(STRING)].map(literal).join('')) : [];
};

/** The pairs of `GSM7_SPELLING = { … }`. */
const spelling = () => {
  const block = /^GSM7_SPELLING = \{([\s\S]*?)^\}/m.exec(source);
  if (!block) {
    return [];
  }
  return block[1]
    .split('\n')
    .map((line) => [...line.matchAll(STRING)].map(literal))
    .filter((pair) => pair.length === 2);
};

(source ? describe : describe.skip)('the plugin and the server measure alike (ussd/menu/gsm.py)', () => {
  it('has the same GSM 03.38 basic set', () => {
    const basic = frozenset('GSM7_BASIC');
    expect(basic).toHaveLength(GSM7_BASIC_SIZE);
    basic.forEach((character) => expect([character, isGsm7(character), septets(character)]).toEqual([character, true, 1]));
  });

  it('has the same extension table, each character counting two', () => {
    const extension = frozenset('GSM7_EXTENSION');
    expect(extension).toHaveLength(GSM7_EXTENSION_SIZE);
    extension.forEach((character) => expect([character, isGsm7(character), septets(character)]).toEqual([character, true, 2]));
  });

  it('offers the same GSM-7 spellings', () => {
    const pairs = spelling();
    expect(pairs.length).toBeGreaterThan(50);
    pairs.forEach(([from, to]) => expect([from, gsm7Spelling(from)]).toEqual([from, to]));
  });
});
