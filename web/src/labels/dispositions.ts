import { words } from './words.ts';

/**
 * A disposition (wrap-up code) in the client's own words: the label of its wrap-up code, which the
 * client named; the code itself never reaches the screen.
 */
export function dispositionLabel(code: string | null | undefined, codes: readonly { code: string; label: string }[] = [], knownLabel?: string | null): string {
  if (!code) return '—';
  return knownLabel ?? codes.find((c) => c.code === code)?.label ?? words(code);
}
