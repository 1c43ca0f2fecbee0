import { translatedCode } from './words.ts';

/** A call's status in words (`callStatus.*`), for the desk and the client portal alike, in the viewer's language. */
export function callStatusLabel(status: string | null | undefined): string {
  return status ? translatedCode('callStatus', status) : '—';
}
