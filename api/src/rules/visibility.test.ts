import { describe, expect, it } from 'vitest';
import { userKinds } from '@switchboard/db';
import { RulesSchema, addressAllowed, defaultRules } from './definition.ts';
import { applyRules, exportableFields, maskValue, sensitiveVisibilityFor } from './visibility.ts';
import { ruleFieldIds } from './fields.ts';

const customer = {
  id: '0190a0a0-0000-7000-8000-000000000001',
  name: 'Anna Schmidt',
  email: 'anna@example.de',
  accountNumber: 'DE89 3704 0044 0532 0130 00',
  card_number: '4111 1111 1111 1111',
};

describe('maskValue', () => {
  it('masks every letter and digit and keeps the structure', () => {
    expect(maskValue('4111 1111 1111 1234', 'masked')).toBe('•••• •••• •••• ••••');
    expect(maskValue('anna@example.de', 'masked')).toBe('••••@•••••••.••');
  });
  it('shows the last four characters', () => {
    expect(maskValue('4111 1111 1111 1234', 'last_four')).toBe('•••• 1234');
    expect(maskValue('DE89 3704 0044 0532 0130 00', 'last_four')).toBe('•••• 3000');
    expect(maskValue('1234', 'last_four')).toBe('••••');
  });
  it('hides', () => {
    expect(maskValue('4111 1111 1111 1234', 'hidden')).toBeNull();
  });
  it('keeps an empty value empty', () => {
    expect(maskValue(null, 'masked')).toBeNull();
    expect(maskValue(undefined, 'last_four')).toBeNull();
  });
});

describe('rules document', () => {
  it('has defaults for every part, and classifies every field', () => {
    const rules = defaultRules();
    expect(Object.keys(rules.classification)).toEqual(ruleFieldIds);
    expect(rules).toMatchObject({ operatorVisibility: 'masked', recordingPolicy: 'always', requiresConfidentialityAgreement: false, ipAllowList: [] });
    expect(rules.classification['customer.card_number']).toBe('sensitive');
  });
  it('lists every problem with its path', () => {
    const result = RulesSchema.safeParse({
      classification: { 'customer.card_number': 'secret', 'customer.shoe_size': 'public' },
      exportFields: ['customer.card_number'],
      whiteLabel: true,
      retention: { personalDataDays: 0, recordingsDays: 1.5 },
      ipAllowList: ['10.0.0.0/8', 'not-an-ip', '10.0.0.0/33'],
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['classification.customer.card_number', 'retention.personalDataDays', 'retention.recordingsDays', 'ipAllowList.1', 'ipAllowList.2']),
    );
  });
  it('refuses a sensitive field in exports and a white-label greeting without text', () => {
    const result = RulesSchema.safeParse({ exportFields: ['order.items', 'customer.card_number'], whiteLabel: true });
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['exportFields.1', 'greetingText']);
  });
  it('normalizes CIDR ranges and export order', () => {
    const rules = RulesSchema.parse({ ipAllowList: ['203.0.113.7/24', '198.51.100.4', '2001:0db8::/32', '203.0.113.0/24'], exportFields: ['order.items', 'customer.name'] });
    expect(rules.ipAllowList).toEqual(['198.51.100.4/32', '2001:db8::/32', '203.0.113.0/24']);
    expect(rules.exportFields).toEqual(['customer.name', 'order.items']);
  });
});

describe('addressAllowed', () => {
  const list = ['203.0.113.0/24', '2001:db8::/32'];
  it('matches IPv4, IPv6 and IPv4-mapped IPv6', () => {
    expect(addressAllowed('203.0.113.9', list)).toBe(true);
    expect(addressAllowed('::ffff:203.0.113.9', list)).toBe(true);
    expect(addressAllowed('2001:db8::1', list)).toBe(true);
    expect(addressAllowed('198.51.100.1', list)).toBe(false);
    expect(addressAllowed('unknown', list)).toBe(false);
    expect(addressAllowed('203.0.113.9', [])).toBe(false);
  });
});

describe('applyRules', () => {
  it('gives operators the operator visibility for sensitive fields only', () => {
    const rules = RulesSchema.parse({ operatorVisibility: 'last_four' });
    expect(applyRules(customer, 'customer', rules, 'operator')).toEqual({
      ...customer,
      accountNumber: '•••• 3000',
      card_number: '•••• 1111',
    });
    const masked = applyRules(customer, 'customer', RulesSchema.parse({}), 'operator');
    expect(masked.card_number).toBe('•••• •••• •••• ••••');
    expect(masked.name).toBe('Anna Schmidt');
    const hidden = applyRules(customer, 'customer', RulesSchema.parse({ operatorVisibility: 'hidden' }), 'operator');
    expect(hidden.card_number).toBeNull();
    expect(hidden.accountNumber).toBeNull();
  });

  it('follows the classification: a field made sensitive is masked, one made public is not', () => {
    const rules = RulesSchema.parse({ classification: { 'customer.email': 'sensitive', 'customer.card_number': 'public' } });
    const seen = applyRules(customer, 'customer', rules, 'operator');
    expect(seen.email).toBe('••••@•••••••.••');
    expect(seen.card_number).toBe(customer.card_number);
  });

  it('shows client users at most the last four, and provider staff what operators see', () => {
    const rules = RulesSchema.parse({ operatorVisibility: 'masked' });
    for (const kind of ['client_admin', 'client_member'] as const) {
      expect(applyRules(customer, 'customer', rules, kind).card_number).toBe('•••• 1111');
      expect(applyRules(customer, 'customer', RulesSchema.parse({ operatorVisibility: 'hidden' }), kind).card_number).toBeNull();
    }
    for (const kind of ['provider_admin', 'supervisor'] as const) expect(applyRules(customer, 'customer', rules, kind).card_number).toBe('•••• •••• •••• ••••');
  });

  it('never gives any viewer a whole sensitive value', () => {
    for (const visibility of ['masked', 'last_four', 'hidden'] as const) {
      const rules = RulesSchema.parse({ operatorVisibility: visibility });
      for (const kind of userKinds) {
        expect(sensitiveVisibilityFor(kind, rules)).not.toBe(undefined);
        expect(JSON.stringify(applyRules(customer, 'customer', rules, kind))).not.toContain('4111 1111 1111 1111');
      }
    }
  });
});

describe('exportableFields', () => {
  it('lists the exported fields of one entity', () => {
    const rules = RulesSchema.parse({ exportFields: ['order.items', 'order.notes', 'customer.name'] });
    expect(exportableFields('order', rules)).toEqual(['items', 'notes']);
    expect(exportableFields('complaint', rules)).toEqual([]);
    expect(exportableFields('customer', defaultRules())).toEqual([]);
  });
});
