import { z } from '@hono/zod-openapi';
import { coded, typedText } from '../http/validators.ts';
import ipaddr from 'ipaddr.js';
import {
  classifications,
  defaultClassification,
  recordingPolicies,
  ruleFieldIds,
  sensitiveVisibilities,
  type Classification,
  type RecordingPolicy,
  type RuleFieldId,
  type SensitiveVisibility,
} from './fields.ts';

/** `203.0.113.0/24`, `2001:db8::/32`, or one address (read as /32 or /128); written back in canonical form. */
export const CidrSchema = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const cidr = parseCidr(value);
    if (!cidr) {
      ctx.addIssue({ code: 'custom', ...coded('ip_range', 'Enter an IP address or a CIDR range such as 203.0.113.0/24.') });
      return z.NEVER;
    }
    return `${cidr[0].toString()}/${cidr[1]}`;
  })
  .openapi({ type: 'string', example: '203.0.113.0/24' });

export function parseCidr(value: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  try {
    if (value.includes('/')) {
      const [address, prefix] = ipaddr.parseCIDR(value);
      // Stored as the network itself, so 203.0.113.7/24 and 203.0.113.0/24 are one entry.
      const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(value) : ipaddr.IPv6.networkAddressFromCIDR(value);
      return [network, prefix];
    }
    const address = ipaddr.parse(value);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return null;
  }
}

/** Whether an address (as clientAddress() gives it) lies in one of the ranges; IPv4-mapped IPv6 counts as IPv4. */
export function addressAllowed(address: string, allowList: readonly string[]): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return allowList.some((entry) => {
    const cidr = parseCidr(entry);
    return cidr !== null && cidr[0].kind() === parsed.kind() && parsed.match(cidr);
  });
}

const days = (what: string, fallback: number) =>
  z
    .number()
    .int(`Whole days for ${what}.`)
    .min(1, `Keep ${what} at least 1 day.`)
    .max(3650, `Keep ${what} at most 3650 days (10 years).`)
    .default(fallback);

/**
 * A tenant's confidentiality rules as one document, read and replaced as a whole. Every part has a
 * default, so `{}` is a valid document (it is what a tenant that never set rules is governed by).
 */
export interface Rules {
  classification: Record<RuleFieldId, Classification>;
  operatorVisibility: SensitiveVisibility;
  exportFields: RuleFieldId[];
  whiteLabel: boolean;
  greetingText: string | null;
  recordingPolicy: RecordingPolicy;
  retention: { personalDataDays: number; recordingsDays: number };
  requiresConfidentialityAgreement: boolean;
  ipAllowList: string[];
}

export const RulesSchema = z
  .strictObject({
    classification: z
      .partialRecord(z.enum(ruleFieldIds), z.enum(classifications))
      .default({})
      .transform((given) => Object.fromEntries(ruleFieldIds.map((id) => [id, given[id] ?? defaultClassification[id]])) as Record<RuleFieldId, Classification>)
      .openapi({ description: 'Per field: public, personal or sensitive. Fields left out keep their default.' }),
    operatorVisibility: z
      .enum(sensitiveVisibilities)
      .default('masked')
      .openapi({ description: 'How operators see sensitive fields: masked (•••• ••••), last_four (•••• 1234) or hidden' }),
    exportFields: z
      .array(z.enum(ruleFieldIds))
      .max(ruleFieldIds.length)
      .default([])
      .openapi({ description: 'The fields that leave in exports (never a sensitive one)' }),
    whiteLabel: z.boolean().default(false).openapi({ description: "Operators greet in the client's name and never reveal the outsourcing" }),
    greetingText: typedText(300).nullable().default(null),
    recordingPolicy: z.enum(recordingPolicies).default('always'),
    retention: z
      .strictObject({ personalDataDays: days('personal data', 365), recordingsDays: days('recordings', 90) })
      .default({ personalDataDays: 365, recordingsDays: 90 }),
    requiresConfidentialityAgreement: z
      .boolean()
      .default(false)
      .openapi({ description: "Operators need a signed confidentiality agreement on file before they may take this tenant's calls" }),
    ipAllowList: z
      .array(CidrSchema)
      .max(100)
      .default([])
      .openapi({ description: "Empty: client users may sign in from anywhere. Otherwise only from these ranges (provider staff are not restricted)" }),
  })
  .superRefine((rules, ctx) => {
    rules.exportFields.forEach((field, i) => {
      if (rules.classification[field] === 'sensitive') {
        ctx.addIssue({ code: 'custom', path: ['exportFields', i], ...coded('rules.sensitive_export', `${field} is sensitive: sensitive fields never leave in exports.`, { field }) });
      }
    });
    if (rules.whiteLabel && !rules.greetingText) {
      ctx.addIssue({ code: 'custom', path: ['greetingText'], ...coded('rules.greeting_required', "Enter the greeting operators say in the client's name.") });
    }
  })
  .transform((rules): Rules => normalizeRules(rules))
  .openapi('Rules', {
    example: {
      classification: { 'customer.card_number': 'sensitive', 'customer.account_number': 'sensitive', 'order.notes': 'personal' },
      operatorVisibility: 'last_four',
      exportFields: ['order.items', 'complaint.category'],
      whiteLabel: true,
      greetingText: 'Pizza Napoli, buongiorno!',
      recordingPolicy: 'paused_for_payment',
      retention: { personalDataDays: 365, recordingsDays: 90 },
      requiresConfidentialityAgreement: false,
      ipAllowList: [],
    },
  });

export type RulesInput = z.input<typeof RulesSchema>;

/** The same rules in one order (export fields in catalog order, allow-list de-duplicated), so equal rules compare equal. */
export function normalizeRules(rules: Rules): Rules {
  const exportFields = new Set(rules.exportFields);
  return {
    classification: rules.classification,
    operatorVisibility: rules.operatorVisibility,
    exportFields: ruleFieldIds.filter((id) => exportFields.has(id)),
    whiteLabel: rules.whiteLabel,
    greetingText: rules.greetingText || null,
    recordingPolicy: rules.recordingPolicy,
    retention: { personalDataDays: rules.retention.personalDataDays, recordingsDays: rules.retention.recordingsDays },
    requiresConfidentialityAgreement: rules.requiresConfidentialityAgreement,
    ipAllowList: [...new Set(rules.ipAllowList)].sort(),
  };
}

/** The rules of a tenant that has set none. */
export function defaultRules(): Rules {
  return RulesSchema.parse({});
}
