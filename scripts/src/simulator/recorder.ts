/**
 * The simulator's recorder: it honours the recording command the boundary gives with each call status
 * (`on`, `paused`, `off`; docs/telephony.md) the way a real adapter would, keeping the stretches it
 * recorded. A pause leaves a gap, so the reference it reports says what was recorded and where the
 * gaps are (`…wav#t=0-12,40-55`, seconds from the first recorded instant).
 */
export type RecordingCommand = 'off' | 'on' | 'paused';

export interface RecordingTrack {
  /** Recorded stretches, in ms; the last one open (endMs null) while recording. */
  segments: { startMs: number; endMs: number | null }[];
}

export const emptyTrack = (): RecordingTrack => ({ segments: [] });

/** The track after the adapter heard `command` at `atMs`: a stretch opens on `on`, closes on anything else. */
export function observeRecording(track: RecordingTrack, command: RecordingCommand | undefined, atMs: number): RecordingTrack {
  const last = track.segments.at(-1);
  const open = last !== undefined && last.endMs === null;
  if (command === 'on' && !open) return { segments: [...track.segments, { startMs: atMs, endMs: null }] };
  if (command !== 'on' && open) return { segments: [...track.segments.slice(0, -1), { startMs: last.startMs, endMs: atMs }] };
  return track;
}

/** Where the simulator "keeps" the recording, with its recorded stretches; null when nothing was recorded. */
export function recordingRef(callId: string, track: RecordingTrack, endMs: number): string | null {
  const closed = observeRecording(track, 'off', endMs).segments.filter((s) => (s.endMs ?? endMs) > s.startMs);
  const origin = closed[0]?.startMs;
  if (origin === undefined) return null;
  const seconds = (ms: number) => String(Math.round((ms - origin) / 100) / 10);
  const stretches = closed.map((s) => `${seconds(s.startMs)}-${seconds(s.endMs ?? endMs)}`);
  // Past ~40 stretches the reference would outgrow what the boundary keeps (500 characters): say how many instead.
  const fragment = stretches.length <= 40 ? stretches.join(',') : `${stretches.length}-segments`;
  return `sim://recordings/${callId}.wav#t=${fragment}`;
}
