import { describe, expect, it } from 'vitest';
import { emptyTrack, observeRecording, recordingRef } from './recorder.ts';

describe('the simulator recorder', () => {
  it('records while the command is on and leaves a gap while it is paused', () => {
    let track = emptyTrack();
    track = observeRecording(track, 'off', 0); // holding: nothing
    track = observeRecording(track, 'on', 5_000); // bridged
    track = observeRecording(track, 'on', 6_000);
    track = observeRecording(track, 'paused', 17_000); // card number
    track = observeRecording(track, 'paused', 30_000);
    track = observeRecording(track, 'on', 45_000);
    expect(recordingRef('call-1', track, 60_500)).toBe('sim://recordings/call-1.wav#t=0-12,40-55.5');
  });

  it('keeps nothing for a call never recorded (policy never, or nobody answered)', () => {
    let track = emptyTrack();
    for (const at of [0, 1_000, 2_000]) track = observeRecording(track, 'off', at);
    expect(recordingRef('call-2', track, 3_000)).toBeNull();
    expect(recordingRef('call-3', observeRecording(emptyTrack(), undefined, 0), 1_000)).toBeNull();
  });

  it('stays short however often the recording was paused', () => {
    let track = emptyTrack();
    for (let i = 0; i < 200; i++) track = observeRecording(track, i % 2 ? 'paused' : 'on', i * 1_000);
    const ref = recordingRef('0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', track, 200_000)!;
    expect(ref.length).toBeLessThanOrEqual(500);
    expect(ref).toMatch(/#t=100-segments$/);
  });
});
