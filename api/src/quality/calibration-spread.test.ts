import { describe, expect, it } from 'vitest';
import { agreementOf, calibrationSpread, spreadOf } from './calibration-spread.ts';

describe('calibration spread', () => {
  it('gives min, max, mean and the population standard deviation', () => {
    expect(spreadOf([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ count: 8, min: 2, max: 9, mean: 5, stdDev: 2 });
    expect(spreadOf([])).toEqual({ count: 0, min: null, max: null, mean: null, stdDev: null });
    expect(spreadOf([1])).toEqual({ count: 1, min: 1, max: 1, mean: 1, stdDev: 0 });
  });

  it('counts agreement as the share giving the most common points', () => {
    expect(agreementOf([1, 1, 0])).toBe(66.67);
    expect(agreementOf([0.5, 0.5, 0.5, 0.5])).toBe(100);
    expect(agreementOf([1, 0])).toBe(50);
    expect(agreementOf([])).toBeNull();
  });

  it('spreads each question in the form order, leaving not-applicable answers out', () => {
    const result = calibrationSpread(
      ['greet', 'verify', 'close'],
      [
        { evaluatorId: 'a', score: 100, perQuestion: { greet: 1, verify: 1, close: null } },
        { evaluatorId: 'b', score: 50, perQuestion: { greet: 1, verify: 0 } },
        { evaluatorId: 'c', score: 75, perQuestion: { greet: 0.5, verify: 0.5, close: null } },
      ],
    );
    expect(result.questions.map((q) => q.questionId)).toEqual(['greet', 'verify', 'close']);
    expect(result.questions[0]).toEqual({ questionId: 'greet', count: 3, min: 0.5, max: 1, mean: 0.8333, stdDev: 0.2357, agreementPercent: 66.67 });
    expect(result.questions[1]).toEqual({ questionId: 'verify', count: 3, min: 0, max: 1, mean: 0.5, stdDev: 0.4082, agreementPercent: 33.33 });
    expect(result.questions[2]).toEqual({ questionId: 'close', count: 0, min: null, max: null, mean: null, stdDev: null, agreementPercent: null });
    expect(result.overall).toEqual({ count: 3, min: 50, max: 100, mean: 75, stdDev: 20.41 });
    expect(result.agreementPercent).toBe(50);
  });

  it('is all agreement when every evaluator gives the same answers', () => {
    const same = { score: 80, perQuestion: { q1: 1, q2: 0.5 } };
    const result = calibrationSpread(['q1', 'q2'], [{ evaluatorId: 'a', ...same }, { evaluatorId: 'b', ...same }]);
    expect(result.overall.stdDev).toBe(0);
    expect(result.questions.every((q) => q.stdDev === 0 && q.agreementPercent === 100)).toBe(true);
    expect(result.agreementPercent).toBe(100);
  });
});
