/**
 * The fields of the records operators capture (customers, orders, complaints), named as scripts
 * capture them (`customer.card_number`). Confidentiality rules classify each of them; the desk's
 * tables (a later issue) use the same names, so a rule always means one column.
 */
export const ruleEntities = ['customer', 'order', 'complaint'] as const;
export type RuleEntity = (typeof ruleEntities)[number];

export const fieldsByEntity = {
  customer: ['name', 'phone', 'email', 'address', 'birth_date', 'account_number', 'card_number'],
  order: ['items', 'delivery_address', 'payment_reference', 'notes'],
  complaint: ['category', 'severity', 'description', 'desired_resolution'],
} as const satisfies Record<RuleEntity, readonly string[]>;

export type FieldName<E extends RuleEntity = RuleEntity> = (typeof fieldsByEntity)[E][number];

export const ruleFieldIds = ruleEntities.flatMap((entity) => fieldsByEntity[entity].map((field) => `${entity}.${field}` as const)) as [
  RuleFieldId,
  ...RuleFieldId[],
];
export type RuleFieldId = { [E in RuleEntity]: `${E}.${(typeof fieldsByEntity)[E][number]}` }[RuleEntity];

export const classifications = ['public', 'personal', 'sensitive'] as const;
export type Classification = (typeof classifications)[number];

/** How an operator sees a sensitive field: `•••• ••••`, `•••• 1234`, or not at all. */
export const sensitiveVisibilities = ['masked', 'last_four', 'hidden'] as const;
export type SensitiveVisibility = (typeof sensitiveVisibilities)[number];

/** `paused_for_payment`: recording stops while the caller gives payment details (PCI DSS). */
export const recordingPolicies = ['always', 'never', 'paused_for_payment'] as const;
export type RecordingPolicy = (typeof recordingPolicies)[number];

/** What a new tenant starts with: payment and account data sensitive, what identifies a person personal. */
export const defaultClassification: Record<RuleFieldId, Classification> = {
  'customer.name': 'personal',
  'customer.phone': 'personal',
  'customer.email': 'personal',
  'customer.address': 'personal',
  'customer.birth_date': 'personal',
  'customer.account_number': 'sensitive',
  'customer.card_number': 'sensitive',
  'order.items': 'public',
  'order.delivery_address': 'personal',
  'order.payment_reference': 'sensitive',
  'order.notes': 'personal',
  'complaint.category': 'public',
  'complaint.severity': 'public',
  'complaint.description': 'personal',
  'complaint.desired_resolution': 'personal',
};
