import { callbackWarning, callerLocalTime, isInsideWindow, readHour, readSafeWindow } from '../utils/safeWindow';

const at = (iso) => new Date(iso);

describe('the caller\'s safe window', () => {
  it('reads the window, its hours and the time zone from the task', () => {
    expect(
      readSafeWindow({
        attributes: {
          callback_window: 'Morning',
          callback_hours: { from: '8:00', to: '12:00' },
          caller_timezone: 'Africa/Dakar',
        },
      }),
    ).toEqual({
      window: 'morning',
      hours: { from: { text: '08:00', minutes: 480 }, to: { text: '12:00', minutes: 720 } },
      zone: 'Africa/Dakar',
    });
    expect(readSafeWindow({ attributes: { callback: 'Yes' } })).toBeNull();
    expect(readSafeWindow({ attributes: { callback_window: 'any' } })).toEqual({ window: 'any', hours: null, zone: '' });
    expect(readSafeWindow({ attributes: { callback_window: 'evening', callback_hours: 'soon' } }).hours).toBeNull();
  });

  it.each([
    ['08:00', 480],
    ['0:05', 5],
    ['23:59', 1439],
    ['24:00', 1440],
    ['24:01', null],
    ['12:60', null],
    ['noon', null],
    ['', null],
  ])('reads the hour %j as %j minutes', (text, minutes) => {
    const hour = readHour(text);
    expect(hour ? hour.minutes : null).toBe(minutes);
  });

  it.each([
    // [minutes now, from, to, inside]
    [9 * 60, 8 * 60, 12 * 60, true],
    [8 * 60, 8 * 60, 12 * 60, true],
    [12 * 60, 8 * 60, 12 * 60, false],
    [22 * 60 + 40, 8 * 60, 12 * 60, false],
    [23 * 60, 20 * 60, 7 * 60, true],
    [3 * 60, 20 * 60, 7 * 60, true],
    [7 * 60, 20 * 60, 7 * 60, false],
    [12 * 60, 20 * 60, 7 * 60, false],
    [5 * 60, 9 * 60, 9 * 60, true],
  ])('at minute %i of the day, %i–%i: inside is %s', (minutes, from, to, inside) => {
    expect(isInsideWindow(minutes, from, to)).toBe(inside);
  });

  it('computes the caller\'s local time in their time zone', () => {
    // Dakar is on UTC all year; Nairobi is UTC+3; Kolkata UTC+5:30.
    expect(callerLocalTime('Africa/Dakar', at('2026-11-30T22:40:00Z'))).toEqual({ text: '22:40', minutes: 1360 });
    expect(callerLocalTime('Africa/Nairobi', at('2026-11-30T22:40:00Z'))).toEqual({ text: '01:40', minutes: 100 });
    expect(callerLocalTime('Asia/Kolkata', at('2026-11-30T00:00:00Z'))).toEqual({ text: '05:30', minutes: 330 });
    expect(callerLocalTime('Mars/Olympus_Mons', at('2026-11-30T22:40:00Z'))).toBeNull();
    expect(callerLocalTime('', at('2026-11-30T22:40:00Z'))).toBeNull();
  });

  const morning = { window: 'morning', hours: { from: readHour('08:00'), to: readHour('12:00') }, zone: 'Africa/Dakar' };
  const night = { window: 'evening', hours: { from: readHour('20:00'), to: readHour('07:00') }, zone: 'Africa/Nairobi' };

  it.each([
    ['no window', null, '2026-11-30T22:40:00Z', null],
    ['"any"', { window: 'any', hours: null, zone: '' }, '2026-11-30T22:40:00Z', null],
    ['inside the morning', morning, '2026-11-30T09:15:00Z', null],
    ['outside the morning', morning, '2026-11-30T22:40:00Z', 'outside'],
    ['inside a window crossing midnight (02:00 in Nairobi)', night, '2026-11-30T23:00:00Z', null],
    ['outside a window crossing midnight (12:00 in Nairobi)', night, '2026-11-30T09:00:00Z', 'outside'],
    ['"none"', { window: 'none', hours: null, zone: 'Africa/Dakar' }, '2026-11-30T09:15:00Z', 'none'],
    ['an unknown time zone', { ...morning, zone: 'Africa/Atlantis' }, '2026-11-30T09:15:00Z', 'unknown_zone'],
    ['no time zone', { ...morning, zone: '' }, '2026-11-30T09:15:00Z', 'no_zone'],
    ['a window without hours', { ...morning, hours: null }, '2026-11-30T09:15:00Z', 'no_hours'],
  ])('%s: %j at %s warns %j', (name, safeWindow, now, reason) => {
    const warning = callbackWarning(safeWindow, at(now));
    expect(warning ? warning.reason : null).toBe(reason);
  });

  it('gives the caller\'s time with the warning', () => {
    expect(callbackWarning(morning, at('2026-11-30T22:40:00Z')).local.text).toBe('22:40');
    expect(callbackWarning({ window: 'none', hours: null, zone: '' }, at('2026-11-30T22:40:00Z')).local).toBeNull();
  });
});
