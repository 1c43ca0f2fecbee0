import { describe, expect, it } from 'vitest';
import { automatedCallingRange, callerIdWarning, isAutomatedCallingNumber } from './callerId.ts';

describe('caller IDs Arcep reserves for automated calling systems', () => {
  it.each([
    ['+33162000000', true],
    ['+33163999999', true],
    ['+33270123456', true],
    ['+33271123456', true],
    ['+33377123456', true],
    ['+33378123456', true],
    ['+33424123456', true],
    ['+33425123456', true],
    ['+33568123456', true],
    ['+33569123456', true],
    ['+33948123456', true],
    ['+33949123456', true],
    ['+590947501234', true],
    ['+594947601234', true],
    ['+596947701234', true],
    ['+262947801234', true],
    ['+262947901234', true],
    // Ordinary geographic, mobile and polyvalent numbers are not.
    ['+33142868200', false],
    ['+33161000000', false],
    ['+33164000000', false],
    ['+33272123456', false],
    ['+33612345678', false],
    ['+33712345678', false],
    ['+33947123456', false],
    ['+33950123456', false],
    ['+33800123456', false],
    ['+590590123456', false],
    ['+262262123456', false],
    ['+3216212345', false],
    ['0162000000', false],
    ['', false],
    ['+33162\u0000', false],
  ])('%s → %s', (callerId, expected) => {
    expect(isAutomatedCallingNumber(callerId)).toBe(expected);
  });

  it('names the territory of the range', () => {
    expect(automatedCallingRange('+33377123456')).toEqual({ prefix: '+33377', territory: 'Metropolitan France' });
    expect(automatedCallingRange('+596947701234')).toEqual({ prefix: '+5969477', territory: 'Martinique' });
  });

  it.each([
    ['preview', '+33142868200', false],
    ['progressive', '+33142868200', true],
    ['predictive', '+33142868200', true],
    ['progressive', '+33162000000', false],
    ['predictive', '+33949123456', false],
  ] as const)('a %s campaign presenting %s is warned: %s', (mode, callerId, warned) => {
    const warning = callerIdWarning(mode, callerId);
    expect(warning !== null).toBe(warned);
    if (warning) expect(warning).toContain(`The caller ID ${callerId} is not in a range Arcep reserves for automated calling systems`);
  });
});
