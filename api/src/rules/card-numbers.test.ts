import { describe, expect, it } from 'vitest';
import { findCardNumbers, luhnValid, redactCardNumbers } from './card-numbers.ts';

describe('card numbers in free text', () => {
  it('checks Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('4111 1111')).toBe(false);
  });

  it('finds Luhn-valid numbers of 13 to 19 digits, plain or grouped by spaces or dashes', () => {
    const text = 'Visa 4111 1111 1111 1111, MC 5500-0000-0000-0004, Amex 378282246310005, 13 digits 4222222222222.';
    expect(findCardNumbers(text).map((m) => m.digits)).toEqual(['4111111111111111', '5500000000000004', '378282246310005', '4222222222222']);
    const [first] = findCardNumbers(text);
    expect(text.slice(first!.start, first!.end)).toBe('4111 1111 1111 1111');
  });

  it('finds 19-digit numbers and none longer', () => {
    expect(findCardNumbers('6011 0009 9013 9424 000'.replace(/ /g, '')).length).toBe(0); // 19 digits, not Luhn-valid
    expect(findCardNumbers('4000000000000000006').map((m) => m.digits)).toEqual(['4000000000000000006']);
    expect(findCardNumbers('40000000000000000060')).toEqual([]); // 20 digits in one piece is not a card number
  });

  it('leaves alone numbers that fail Luhn, are too short, or are part of a word', () => {
    expect(findCardNumbers('Order 4111111111111112, phone +33 1 23 45 67 89, IBAN DE89370400440532013000')).toEqual([]);
    expect(findCardNumbers('411111111111')).toEqual([]); // 12 digits
    expect(findCardNumbers('ref A4111111111111112')).toEqual([]);
  });

  it('finds a card number glued to letters (issue 11: a letter no longer hides it)', () => {
    expect(findCardNumbers('ref A4111111111111111').map((m) => m.digits)).toEqual(['4111111111111111']);
  });

  it('finds a card number inside a longer run of groups, and one next to a date', () => {
    expect(findCardNumbers('card 4111 1111 1111 1111 2027').map((m) => m.digits)).toEqual(['4111111111111111']);
    expect(findCardNumbers('expires 12-27 4111-1111-1111-1111').map((m) => m.digits)).toEqual(['4111111111111111']);
  });

  it('redacts to the last four digits and keeps the rest of the text', () => {
    expect(redactCardNumbers('My card is 4111 1111 1111 1111, exp 12/27.')).toBe('My card is •••• 1111, exp 12/27.');
    expect(redactCardNumbers('a 5500-0000-0000-0004 b 378282246310005')).toBe('a •••• 0004 b •••• 0005');
    expect(redactCardNumbers('no card here: 12345')).toBe('no card here: 12345');
    expect(redactCardNumbers('')).toBe('');
  });
});
