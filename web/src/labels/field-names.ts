import { findCaptureTarget } from '@switchboard/api/scripts';
import { words } from './words.ts';

/**
 * A problem+json error path (`items.0.quantity`, `order.items`, `steps[3].next`) as the field a person
 * sees: "Item 1 · quantity", "Order: items", "Step 4 · next". Paths the forms share are named here once.
 */
const fieldNames: Record<string, string> = {
  items: 'Items',
  quantity: 'Quantity',
  catalogItemId: 'Item',
  optionIds: 'Options',
  customerName: 'Customer name',
  callerNumber: 'Caller number',
  phone: 'Phone',
  email: 'Email',
  deliveryAddress: 'Delivery address',
  paymentMethod: 'Payment',
  paymentReference: 'Payment reference',
  requestedTime: 'Requested time',
  notes: 'Notes',
  category: 'Category',
  severity: 'Severity',
  description: 'Description',
  desiredResolution: 'Desired resolution',
  disposition: 'Outcome',
  greetingText: 'Greeting text',
  brandColor: 'Brand colour',
  timeZone: 'Time zone',
  displayName: 'Name',
};

const listItems: Record<string, string> = { items: 'Item', steps: 'Step', prices: 'Price', choices: 'Choice', captures: 'Field', rules: 'Rule' };

export function fieldName(path: string): string {
  if (!path || path.startsWith('(')) return '';
  const capture = findCaptureTarget(path);
  if (capture && path.includes('.') && !/\d/.test(path)) return capture.label;
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next = parts[i + 1];
    if (next !== undefined && /^\d+$/.test(next) && listItems[part]) {
      out.push(`${listItems[part]} ${Number(next) + 1}`);
      i++;
    } else if (!/^\d+$/.test(part)) {
      out.push(fieldNames[part] ?? words(part));
    }
  }
  const text = out.join(' · ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
