import { newId, type DB } from '@switchboard/db';
import type { Kysely } from 'kysely';
import type { Actor } from '../http/env.ts';
import {
  auditPrices,
  deletePriceRow,
  insertPriceVersions,
  keyLabel,
  keyOf,
  listPriceVersions,
  lockPriceList,
  priceState,
  setPriceEnd,
  toPrice,
  utcDay,
  type PriceEntry,
  type PriceKey,
  type PriceRow,
  type PriceScope,
} from './prices.ts';

/**
 * Bringing a price list in line with a declared one — a tenant file's `prices`, or the old
 * PUT /api/function-prices — without ever touching the past:
 * - per price, the entry in effect today (no effectiveFrom, or the latest one started by today) is
 *   compared with the stored version in effect today; a difference ends that version today and starts
 *   the declared price today (a version started today is replaced: it cannot end the day it starts);
 * - entries starting after today are the price's scheduled versions; when `scheduled` is managed, the
 *   stored ones become exactly these (deleted, added, or replaced when they differ);
 * - a managed price with a version in effect today but no entry in effect ends today;
 * - a price with no version at all yet may start on the past day its entry names (moving a list in).
 * An entry's end is its effectiveTo, else the start of the price's next version, else open-ended.
 */

export interface SyncOptions {
  /** Which stored prices the declaration speaks for: one of these with no entry in effect ends today. */
  manages: (key: PriceKey) => boolean;
  /** True: the scheduled versions become exactly the declared ones. False: they are left alone (the old PUT knows none). */
  scheduled: boolean;
  /** False: the caller writes its own audit row (the old PUT keeps its `prices.replaced`). */
  audit?: boolean;
}

const sameAmount = (stored: PriceRow, entry: PriceEntry) =>
  Number(stored.unitAmountMinor) === entry.unitAmountMinor && (stored.rounding ?? null) === (entry.metric === 'handled_minute' ? (entry.rounding ?? null) : null);

export function formatMinor(minor: number, currency: string): string {
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
  } catch {
    return `${minor} ${currency} minor units`;
  }
}

const amountText = (p: { unitAmountMinor: number | string; currency: string; rounding?: string | null | undefined }) =>
  `${formatMinor(Number(p.unitAmountMinor), p.currency)}${p.rounding ? ` ${p.rounding.replaceAll('_', ' ')}` : ''}`;

/** Applies a declared list; returns one line per change (empty: nothing written, no audit row). */
export async function syncPrices(
  tx: Kysely<DB>,
  scope: PriceScope,
  actor: Actor | null,
  entries: PriceEntry[],
  now: Date,
  options: SyncOptions,
): Promise<string[]> {
  const today = utcDay(now);
  await lockPriceList(tx, scope);
  const stored = await listPriceVersions(tx, scope);
  const keys = new Map<string, PriceKey>();
  for (const version of stored) if (options.manages(version) && priceState(version, today) !== 'past') keys.set(keyOf(version), version);
  for (const entry of entries) keys.set(keyOf(entry), entry);

  const changes: string[] = [];
  const inserts: PriceRow[] = [];
  const newRow = (entry: PriceEntry, effectiveFrom: string, effectiveTo: string | null): PriceRow => ({
    id: newId(),
    function: entry.function,
    metric: entry.metric,
    currency: entry.currency,
    unitAmountMinor: entry.unitAmountMinor,
    rounding: entry.metric === 'handled_minute' ? (entry.rounding ?? null) : null,
    effectiveFrom,
    effectiveTo,
    createdAt: now,
    createdBy: actor?.label ?? 'system',
  });
  /** A version in effect today stops today; one that started today never applied to a whole day, so it goes. */
  const endToday = async (version: PriceRow) => {
    if (version.effectiveFrom === today) await deletePriceRow(tx, scope, version.id);
    else await setPriceEnd(tx, scope, version.id, today);
  };

  for (const [key, priceKey] of keys) {
    const label = keyLabel(priceKey);
    const listed = entries.filter((e) => keyOf(e) === key).sort((a, b) => (a.effectiveFrom ?? '').localeCompare(b.effectiveFrom ?? ''));
    const endOf = (i: number) => listed[i]!.effectiveTo ?? listed[i + 1]?.effectiveFrom ?? null;
    const versions = stored.filter((s) => keyOf(s) === key);
    const current = versions.find((v) => priceState(v, today) === 'current');
    const later = versions.filter((v) => v.effectiveFrom > today);
    const wantedLater = options.scheduled
      ? listed.flatMap((entry, i) => (entry.effectiveFrom && entry.effectiveFrom > today ? [{ entry, from: entry.effectiveFrom, to: endOf(i) }] : []))
      : null;
    const nextStart = wantedLater ? wantedLater[0]?.from : later[0]?.effectiveFrom;
    const nowIndex = listed.findIndex((entry, i) => (entry.effectiveFrom ?? '') <= today && (endOf(i) ?? '9999-12-31') > today);
    const wanted = nowIndex >= 0 ? listed[nowIndex]! : undefined;

    if (wanted) {
      const to = wanted.effectiveTo ?? nextStart ?? null;
      if (current && sameAmount(current, wanted)) {
        if (options.scheduled && current.effectiveTo !== to) {
          await setPriceEnd(tx, scope, current.id, to);
          changes.push(`${label}: ${amountText(current)} now ${to ? `until ${to}` : 'until changed'}`);
        }
      } else {
        if (current) await endToday(current);
        // A price never set before may be declared from a past day (a provider moving its existing list
        // in). Usage already written stays as it was rated — unpriced — so the past is still not re-rated;
        // what it changes is the monthly fee and seats of the open month. Any later change starts today.
        const from = !versions.length && wanted.effectiveFrom && wanted.effectiveFrom < today ? wanted.effectiveFrom : today;
        inserts.push(newRow(wanted, from, to));
        changes.push(current ? `${label}: ${amountText(current)} → ${amountText(wanted)} from ${today}` : `${label}: ${amountText(wanted)} from ${from}`);
      }
    } else if (current && options.manages(current)) {
      await endToday(current);
      changes.push(`${label}: ${amountText(current)} ends ${today}`);
    }

    if (!wantedLater) continue;
    for (const version of later) {
      const match = wantedLater.find((w) => w.from === version.effectiveFrom);
      if (match && sameAmount(version, match.entry) && version.effectiveTo === match.to) continue;
      // A scheduled version has rated nothing yet: replacing it is safe.
      await deletePriceRow(tx, scope, version.id);
      if (match) {
        inserts.push(newRow(match.entry, match.from, match.to));
        changes.push(`${label}: scheduled ${amountText(version)} from ${version.effectiveFrom} → ${amountText(match.entry)}${match.to ? ` until ${match.to}` : ''}`);
      } else {
        changes.push(`${label}: scheduled ${amountText(version)} from ${version.effectiveFrom} removed`);
      }
    }
    for (const w of wantedLater) {
      if (later.some((v) => v.effectiveFrom === w.from)) continue;
      inserts.push(newRow(w.entry, w.from, w.to));
      changes.push(`${label}: ${amountText(w.entry)} scheduled from ${w.from}${w.to ? ` until ${w.to}` : ''}`);
    }
  }

  if (!changes.length) return changes;
  await insertPriceVersions(tx, scope, inserts);
  if (options.audit === false) return changes;
  const before = stored.filter((v) => priceState(v, today) !== 'past').map((v) => toPrice(v, today));
  const after = (await listPriceVersions(tx, scope)).filter((v) => priceState(v, today) !== 'past').map((v) => toPrice(v, today));
  await auditPrices(tx, scope, actor, 'changed', { inEffectAndScheduled: before }, { inEffectAndScheduled: after, changes });
  return changes;
}
