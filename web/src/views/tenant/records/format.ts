/** The record pages' badge colours (words and formats come from web/src/format.ts and the translation files). */

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
    case 'overflowed':
      return 'badge-warning';
    default:
      return '';
  }
}
