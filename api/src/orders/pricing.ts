import type { TenantTx } from '@switchboard/db';
import { fieldError, type FieldError } from '../http/problem.ts';
import { toItem, itemSelection, type ItemRow } from '../catalog/service.ts';

/**
 * An order's lines priced from the tenant's catalog as it is now: the unit price is the item's price
 * plus the price deltas of the chosen options. Whatever prices a client sends are never read.
 */

export interface LineInput {
  itemId?: string | undefined;
  sku?: string | undefined;
  quantity: number;
  options: Record<string, string | string[]>;
}

export interface OrderLine {
  itemId: string;
  sku: string;
  name: string;
  quantity: number;
  options: { group: string; choice: string; priceDeltaMinor: number }[];
  unitPriceMinor: number;
  lineTotalMinor: number;
}


export interface Priced {
  lines: OrderLine[];
  currency: string;
  subtotalMinor: number;
  errors: FieldError[];
}

export async function priceLines(tx: TenantTx, currency: string, inputs: LineInput[]): Promise<Priced> {
  const ids = inputs.flatMap((l) => (l.itemId ? [l.itemId] : []));
  const skus = inputs.flatMap((l) => (l.sku ? [l.sku] : []));
  const rows =
    ids.length || skus.length
      ? await itemSelection(tx)
          .where((eb) => eb.or([...(ids.length ? [eb('id', 'in', ids)] : []), ...(skus.length ? [eb('sku', 'in', skus)] : [])]))
          .execute()
      : [];
  const items = rows.map(toItem);
  const byId = new Map(items.map((i) => [i.id, i]));
  const bySku = new Map(items.map((i) => [i.sku.toLowerCase(), i]));
  const errors: FieldError[] = [];
  const lines: OrderLine[] = [];
  inputs.forEach((input, index) => {
    const at = `items.${index}`;
    const item = input.itemId ? byId.get(input.itemId) : bySku.get(input.sku!.toLowerCase());
    if (!item) {
      errors.push(fieldError(`${at}.${input.itemId ? 'itemId' : 'sku'}`, 'no_such_item', 'There is no such item in the catalog.'));
      return;
    }
    if (!item.available) errors.push(fieldError(at, 'order.item_unavailable', `${item.name} is not available at the moment.`, { item: item.name }));
    if (item.currency !== currency) {
      errors.push(fieldError(at, 'order.item_currency', `${item.name} is priced in ${item.currency}, not in the company's ${currency}.`, { item: item.name, currency: item.currency, expected: currency }));
    }
    const options = chosenOptions(item, input.options, `${at}.options`, errors);
    const unitPriceMinor = item.priceMinor + options.reduce((sum, o) => sum + o.priceDeltaMinor, 0);
    lines.push({ itemId: item.id, sku: item.sku, name: item.name, quantity: input.quantity, options, unitPriceMinor, lineTotalMinor: unitPriceMinor * input.quantity });
  });
  return { lines, currency, subtotalMinor: lines.reduce((sum, l) => sum + l.lineTotalMinor, 0), errors };
}

/** The choices named for each option group, checked against the item's groups (names compared without case). */
function chosenOptions(item: ItemRow, given: Record<string, string | string[]>, at: string, errors: FieldError[]): OrderLine['options'] {
  const out: OrderLine['options'] = [];
  const groups = new Map(item.options.map((g) => [g.name.toLowerCase(), g]));
  for (const [name, value] of Object.entries(given)) {
    const group = groups.get(name.toLowerCase());
    if (!group) {
      errors.push(fieldError(`${at}.${name}`, 'order.no_such_option', `${item.name} has no option "${name}".`, { item: item.name, option: name }));
      continue;
    }
    const picked = (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
    if (picked.length > 1 && !group.multiple) errors.push(fieldError(`${at}.${name}`, 'order.one_choice', `Choose one ${group.name}.`, { group: group.name }));
    for (const choiceName of new Set(picked.map((p) => p.toLowerCase()))) {
      const choice = group.choices.find((c) => c.name.toLowerCase() === choiceName);
      if (!choice) errors.push(fieldError(`${at}.${name}`, 'order.not_a_choice', `"${choiceName}" is not a ${group.name} of ${item.name}.`, { choice: choiceName, group: group.name, item: item.name }));
      else out.push({ group: group.name, choice: choice.name, priceDeltaMinor: choice.priceDeltaMinor });
    }
  }
  for (const group of item.options) {
    if (group.required && !out.some((o) => o.group === group.name) && !errors.some((e) => e.path === `${at}.${group.name}`)) {
      errors.push(fieldError(`${at}.${group.name}`, 'order.choice_required', `Choose a ${group.name} for ${item.name}.`, { group: group.name, item: item.name }));
    }
  }
  return out;
}

/** "2 × Margherita (Size: Large)", for lists and exports. */
export function describeLine(line: OrderLine): string {
  const options = line.options.map((o) => `${o.group}: ${o.choice}`).join(', ');
  return `${line.quantity} × ${line.name}${options ? ` (${options})` : ''}`;
}
