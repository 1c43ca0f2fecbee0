/** Formatting for the record pages: money in the tenant's currency, durations, labels. */

export function money(minor: number, currency: string, locale?: string): string {
  try {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(minor / 10 ** digits);
  } catch {
    return `${minor} ${currency}`;
  }
}

export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
}

export function label(value: string | null | undefined): string {
  if (!value) return '—';
  const text = value.replace(/[._]/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Badge colour per status, shared by the three lists. */
export function statusClass(status: string): string {
  switch (status) {
    case 'completed':
    case 'delivered':
    case 'resolved':
    case 'confirmed':
      return 'badge-success';
    case 'abandoned':
    case 'cancelled':
      return 'badge-danger';
    case 'queued':
    case 'connected':
    case 'wrap_up':
    case 'open':
    case 'received':
      return 'badge-info';
    case 'in_progress':
    case 'after_hours':
    case 'transferred_out':
      return 'badge-warning';
    default:
      return '';
  }
}
