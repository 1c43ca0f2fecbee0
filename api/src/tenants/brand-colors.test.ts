import { describe, expect, it } from 'vitest';
import { brandColorDistance, ciede2000, SHARED_OPERATORS_DELTA_E } from './brand-colors.ts';

describe('CIEDE2000', () => {
  it('matches the published test pairs (Sharma, Wu and Dalal)', () => {
    const pairs: [[number, number, number], [number, number, number], number][] = [
      [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
      [[50, 0, 0], [50, -1, 2], 2.3669],
      [[50, 2.5, 0], [73, 25, -18], 27.1492],
      [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
      [[50, 2.49, -0.001], [50, -2.49, 0.0011], 7.2195],
      [[2.0776, 0.0795, -1.135], [0.9033, -0.0636, -0.5514], 0.9082],
    ];
    for (const [a, b, expected] of pairs) {
      expect(ciede2000(a, b)).toBeCloseTo(expected, 4);
      expect(ciede2000(b, a)).toBeCloseTo(expected, 4);
    }
  });

  it('puts two reds under the warning threshold and a red and a blue far above it', () => {
    expect(brandColorDistance('#c0392b', '#c0392b')).toBe(0);
    expect(brandColorDistance('#c0392b', '#e74c3c')).toBeLessThan(SHARED_OPERATORS_DELTA_E);
    expect(brandColorDistance('#c0392b', '#2f6fdf')).toBeGreaterThan(40);
  });
});
