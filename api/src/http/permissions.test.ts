import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { permissions, type Permission } from './permissions.ts';

const kindsInTableOrder = ['provider_admin', 'supervisor', 'operator', 'client_admin', 'client_member'] as const;

/** The rows of docs/security.md's "Who can see and do what" table: permission → kinds ticked. */
function documentedMatrix(): Map<string, string[]> {
  const doc = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const match = /^\| `([\w.]+)` \|[^|]*\|(.*)\|$/.exec(line);
    if (!match) continue;
    const cells = match[2]!.split('|').map((cell) => cell.trim());
    rows.set(
      match[1]!,
      kindsInTableOrder.filter((_, i) => cells[i] === '✓'),
    );
  }
  return rows;
}

describe('the threat model documents the permissions matrix as it is', () => {
  it('has one row per permission, ticked for exactly the kinds that hold it', () => {
    const documented = documentedMatrix();
    expect([...documented.keys()].sort()).toEqual(Object.keys(permissions).sort());
    for (const [name, { who }] of Object.entries(permissions)) {
      expect(documented.get(name), name as Permission).toEqual(kindsInTableOrder.filter((kind) => (who as readonly string[]).includes(kind)));
    }
  });
});
