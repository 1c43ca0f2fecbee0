import { translatedCode } from './words.ts';

/** What happened to a call, one line per event kind of its timeline (api/src/routing/call-events.ts), in the viewer's language. */
export function callEventLabel(kind: string): string {
  return translatedCode('callEvents', kind);
}
