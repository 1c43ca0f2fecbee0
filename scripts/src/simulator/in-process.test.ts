import { describe, expect, it } from 'vitest';
import { simulatorPushes, simulatorWanted } from './in-process.ts';

describe('the simulator in pnpm start', () => {
  it('is on unless --no-simulator or SIMULATOR=off says otherwise', () => {
    expect(simulatorWanted(['node', 'start.ts'], {})).toBe(true);
    expect(simulatorWanted(['node', 'start.ts'], { SIMULATOR: 'on' })).toBe(true);
    expect(simulatorWanted(['node', 'start.ts', '--no-simulator'], {})).toBe(false);
    for (const off of ['off', 'OFF', 'false', '0', 'no']) expect(simulatorWanted(['node', 'start.ts'], { SIMULATOR: off })).toBe(false);
  });

  it('is off in production unless SIMULATOR=on asks for it', () => {
    expect(simulatorWanted(['node', 'start.ts'], { NODE_ENV: 'production' })).toBe(false);
    expect(simulatorWanted(['node', 'start.ts'], { NODE_ENV: 'production', SIMULATOR: 'on' })).toBe(true);
    expect(simulatorWanted(['node', 'start.ts', '--no-simulator'], { NODE_ENV: 'production', SIMULATOR: 'on' })).toBe(false);
  });

  it('is a push adapter unless SIMULATOR_MODE=poll', () => {
    expect(simulatorPushes({})).toBe(true);
    expect(simulatorPushes({ SIMULATOR_MODE: 'push' })).toBe(true);
    expect(simulatorPushes({ SIMULATOR_MODE: ' POLL ' })).toBe(false);
  });
});
