import { formatPhone } from '../utils/phone';

describe('formatPhone', () => {
  it.each([
    ['+221771234567', '+221 77 123 45 67'], // Senegal
    ['+254712345678', '+254 712 345678'], // Kenya
    ['+33612345678', '+33 6 12 34 56 78'], // France
    ['+8801712345678', '+880 1712 345678'], // Bangladesh
    ['+256772123456', '+256 772 123456'], // Uganda
    ['+14155550123', '+1 415 555 0123'], // North America
    ['  +221771234567 ', '+221 77 123 45 67'],
  ])('groups %s as its country writes it', (number, grouped) => {
    expect(formatPhone(number)).toBe(grouped);
  });

  it.each([
    ['a number too short for its country', '+2217712'],
    ['a number without a country calling code', '0771234567'],
    ['a short code', '*123#'],
    ['a task name that is no number', 'Simulator'],
    ['an unknown country calling code', '+999123456'],
  ])('leaves %s as it was', (label, text) => {
    expect(formatPhone(text)).toBe(text);
  });

  it.each([[undefined], [null], [42], [{ number: '+221771234567' }]])('gives "" for %p', (value) => {
    expect(formatPhone(value)).toBe('');
  });
});
