import { findCaptureTarget } from '@switchboard/api/scripts';
import { i18n, t } from '../i18n/index.ts';
import { words } from './words.ts';

/**
 * A problem+json error path (`items.0.quantity`, `order.items`, `steps[3].next`) as the field a person
 * sees: "Item 1 · quantity", "Order: items", "Step 4 · next", in the interface language
 * (`fields.<name>`, `fields.list.<name>` in web/src/locales). Paths the forms share are named there once.
 */
const named = (part: string): string => (i18n.global.te(`fields.${part}`, 'en') && part !== 'list' ? t(`fields.${part}`) : words(part));
const listItem = (part: string): boolean => i18n.global.te(`fields.list.${part}`, 'en');

export function fieldName(path: string): string {
  if (!path || path.startsWith('(')) return '';
  const capture = findCaptureTarget(path);
  if (capture && path.includes('.') && !/\d/.test(path)) return capture.label;
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next = parts[i + 1];
    if (next !== undefined && /^\d+$/.test(next) && listItem(part)) {
      out.push(t(`fields.list.${part}`, { n: Number(next) + 1 }));
      i++;
    } else if (!/^\d+$/.test(part)) {
      out.push(named(part));
    }
  }
  const text = out.join(' · ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
