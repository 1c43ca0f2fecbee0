import type { Language } from '@switchboard/db/languages';
import type { Tenant, TenantTx, UserKind } from '@switchboard/db';
import type { ExportColumn, ExportTable, ExportValue } from '../records/export.ts';
import { valueWord } from '../records/export-words.ts';
import { campaignsReport, operatorsReport, serviceLevelReport, volumesReport, type Period } from './reports.ts';
import type { QueueKpis } from './definitions.ts';

/**
 * Each report's table as the page shows it, for the record exports' CSV/XLSX code (records/export.ts: the
 * formula guard, the language's separators and decimal mark). Operator names are the ones the viewer sees
 * (the contract's naming for a client user), and the occupancy columns are there only for provider staff.
 */
export const reportKinds = ['service_level', 'volumes', 'operators', 'campaigns'] as const;
export type ReportKind = (typeof reportKinds)[number];

const kpiColumns: ExportColumn[] = [
  { header: 'service_level', kind: 'decimal' },
  { header: 'service_level_target', kind: 'decimal' },
  { header: 'asa', kind: 'integer' },
  { header: 'aht', kind: 'integer' },
  { header: 'abandon_rate', kind: 'decimal' },
  { header: 'fcr', kind: 'decimal' },
];
const kpiCells = (k: QueueKpis): ExportValue[] => [k.serviceLevel.value, k.serviceLevel.target, k.asa.value, k.aht.value, k.abandonRate.value, k.fcr.value];

export async function reportExport(
  tx: TenantTx,
  tenant: Pick<Tenant, 'timeZone'>,
  kind: ReportKind,
  period: Period,
  by: 'day' | 'interval',
  viewer: { access: UserKind; occupancy: boolean },
  language: Language,
  now: Date,
): Promise<ExportTable> {
  if (kind === 'service_level') {
    const report = await serviceLevelReport(tx, tenant, period, by, now);
    return {
      sheet: 'service_level',
      columns: [
        by === 'day' ? { header: 'report_day', kind: 'text' } : { header: 'report_interval', kind: 'time' },
        { header: 'offered', kind: 'integer' },
        { header: 'answered', kind: 'integer' },
        { header: 'answered_in_target', kind: 'integer' },
        { header: 'abandoned', kind: 'integer' },
        { header: 'abandoned_short', kind: 'integer' },
        { header: 'handled', kind: 'integer' },
        ...kpiColumns,
      ],
      rows: report.rows.map((r) => [
        by === 'day' ? r.at : new Date(r.at),
        r.offered,
        r.answered,
        r.answeredInTarget,
        r.abandoned,
        r.abandonedShort,
        r.handled,
        ...kpiCells(r.kpis),
      ]),
    };
  }
  if (kind === 'volumes') {
    const report = await volumesReport(tx, tenant, period, now);
    return {
      sheet: 'volumes',
      columns: [
        { header: 'function', kind: 'text' },
        { header: 'offered', kind: 'integer' },
        { header: 'answered', kind: 'integer' },
        { header: 'abandoned', kind: 'integer' },
        { header: 'overflowed', kind: 'integer' },
        { header: 'after_hours', kind: 'integer' },
        { header: 'handled', kind: 'integer' },
        { header: 'transfers', kind: 'integer' },
        { header: 'talk_seconds', kind: 'integer' },
        { header: 'hold_seconds', kind: 'integer' },
        { header: 'wrap_seconds', kind: 'integer' },
        ...kpiColumns,
      ],
      rows: report.functions.map((r) => [
        valueWord(language, r.function),
        r.offered,
        r.answered,
        r.abandoned,
        r.overflowed,
        r.afterHours,
        r.handled,
        r.transfers,
        r.talkSeconds,
        r.holdSeconds,
        r.wrapSeconds,
        ...kpiCells(r.kpis),
      ]),
    };
  }
  if (kind === 'operators') {
    const report = await operatorsReport(tx, tenant, period, viewer, now);
    const columns: ExportColumn[] = [
      { header: 'operator', kind: 'text' },
      { header: 'handled', kind: 'integer' },
      { header: 'aht', kind: 'integer' },
      { header: 'talk_seconds', kind: 'integer' },
      { header: 'hold_seconds', kind: 'integer' },
      { header: 'wrap_seconds', kind: 'integer' },
      { header: 'transfers', kind: 'integer' },
      { header: 'quality_score', kind: 'decimal' },
      { header: 'evaluations', kind: 'integer' },
      { header: 'complaints_count', kind: 'integer' },
      ...(report.occupancy ? ([{ header: 'occupancy', kind: 'decimal' }, { header: 'utilisation', kind: 'decimal' }] as ExportColumn[]) : []),
    ];
    return {
      sheet: 'operators',
      columns,
      rows: report.operators.map((r) => [
        r.name,
        r.handled,
        r.aht,
        r.talkSeconds,
        r.holdSeconds,
        r.wrapSeconds,
        r.transfers,
        r.qualityScore,
        r.evaluations,
        r.complaints,
        ...(report.occupancy ? [r.occupancy ?? null, r.utilisation ?? null] : []),
      ]),
    };
  }
  const report = await campaignsReport(tx, tenant, period, now);
  return {
    sheet: 'campaigns',
    columns: [
      { header: 'campaign', kind: 'text' },
      { header: 'function', kind: 'text' },
      { header: 'dials', kind: 'integer' },
      { header: 'reached', kind: 'integer' },
      { header: 'successes', kind: 'integer' },
      { header: 'abandoned', kind: 'integer' },
      { header: 'contact_rate', kind: 'decimal' },
      { header: 'conversion', kind: 'decimal' },
    ],
    rows: report.campaigns.map((r) => [r.name, valueWord(language, r.function), r.dials, r.reached, r.successes, r.abandoned, r.contactRate.value, r.conversion.value]),
  };
}
