import type { ApplyReport, IssuedPassword } from './apply.ts';

function passwordLines(passwords: IssuedPassword[]): string[] {
  return passwords.map((p) => `    password for ${p.email} (${p.kind}): ${p.temporaryPassword}`);
}

/**
 * What `tenants:apply` prints: per tenant created / updated (which fields) / unchanged / failed,
 * the details under it, and the one-time passwords of accounts it created (shown this once only).
 */
export function formatApplyReport(report: ApplyReport): string {
  const lines: string[] = [];
  const { provider } = report;
  if (provider) {
    const label = `provider staff${provider.file ? ` (${provider.file})` : ''}`;
    if (provider.outcome === 'failed') {
      lines.push(`${label}: FAILED, nothing applied`);
      lines.push(...provider.errors.map((e) => `    ${e}`));
    } else {
      const created = provider.staff.filter((s) => s.outcome === 'created');
      lines.push(created.length ? `${label}: created ${created.map((s) => `${s.email} (${s.kind})`).join(', ')}` : `${label}: unchanged`);
    }
    lines.push(...provider.priceChanges.map((c) => `    prices: ${c}`));
    lines.push(...provider.notes.map((n) => `    note: ${n}`));
    lines.push(...passwordLines(provider.passwords));
  }
  for (const tenant of report.tenants) {
    const label = `${tenant.slug}${tenant.file ? ` (${tenant.file})` : ''}`;
    switch (tenant.outcome) {
      case 'created':
        lines.push(`${label}: created`);
        break;
      case 'updated':
        lines.push(`${label}: updated (${tenant.fields.join(', ')})`);
        break;
      case 'unchanged':
        lines.push(`${label}: unchanged`);
        break;
      case 'failed':
        lines.push(`${label}: FAILED, nothing applied for this tenant`);
        break;
    }
    lines.push(...tenant.errors.map((e) => `    ${e}`));
    lines.push(...tenant.changes.map((c) => `    ${c}`));
    lines.push(...tenant.notes.map((n) => `    note: ${n}`));
    lines.push(...passwordLines(tenant.passwords));
  }
  const count = (outcome: string) => report.tenants.filter((t) => t.outcome === outcome).length;
  const summary = report.tenants.length
    ? `${report.tenants.length} tenant${report.tenants.length === 1 ? '' : 's'}: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged, ${count('failed')} failed.`
    : 'No tenant files.';
  lines.push('', summary);
  const passwords = (provider?.passwords.length ?? 0) + report.tenants.reduce((n, t) => n + t.passwords.length, 0);
  if (passwords) {
    lines.push('The passwords above are shown only this once; each must be changed at first login.');
  }
  return lines.join('\n');
}
