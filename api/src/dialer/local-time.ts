import { Temporal } from '@js-temporal/polyfill';

/** The next midnight in `timeZone` after `at`: an abandoned callee is not called again that (local) day. */
export function nextLocalMidnight(at: Date, timeZone: string): Date {
  const day = Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(timeZone).toPlainDate().add({ days: 1 });
  return new Date(day.toZonedDateTime({ timeZone }).epochMilliseconds);
}

/** A wall-clock time in `timeZone` ("2026-12-07T15:30") as an instant (the earlier one in a DST overlap, the later in a gap). */
export function instantOfLocal(local: string, timeZone: string): Date {
  const zoned = Temporal.PlainDateTime.from(local).toZonedDateTime(timeZone, { disambiguation: 'compatible' });
  return new Date(zoned.epochMilliseconds);
}

/** The instant as a wall-clock time in `timeZone`, to the second: "2026-12-07 15:30:00". */
export function localText(at: Date, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(timeZone).toPlainDateTime().toString({ smallestUnit: 'second' }).replace('T', ' ');
}
