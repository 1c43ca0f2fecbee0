import { z } from 'zod';
import { callFunctionIds, type CallFunctionId } from '@switchboard/db/call-functions';
import { redactCardNumbers } from '@switchboard/db/card-numbers';
import { markFreeText, storableText, unstorableTextIssue } from '../http/storable-text.ts';

/**
 * The call script model: what a tenant's script for one call-center function is made of. Pure (zod
 * and constants only), so the API, the tenant files and the web editor share one definition.
 *
 * A script is an ordered list of steps; the first one is where the call starts. Each step has an
 * id (stable, used by `next` pointers, branch rules, captures and `{{answers.<id>}}`) and a type:
 *
 * - `say`: text the operator reads, with {{variables}}; then `next`.
 * - `ask`: a question and a typed answer (text, number, date, single or multiple choice, a 1–5 or 0–10
 *   scale, yes/no, phone, email, postcode), required or not, with limits; then `next`. Where the answer
 *   goes (a survey answer, a lead, customer, order or complaint field) is said by a capture step.
 * - `branch`: rules over earlier answers, the first that holds picks `next`; else `otherwise`.
 * - `capture`: copies answers into the fields of the order, complaint, survey or customer record.
 * - `transfer`: hands the call to a specialist skill, the client's in-house destination or an entry of its directory (ends the script).
 * - `end`: closes the call with a disposition from the tenant's wrap-up codes.
 *
 * The schema only checks shape, so a draft may be incomplete (a `next` not chosen yet, empty text).
 * Publishing runs validateScript() (validate.ts), which checks that the whole script holds together.
 */

export const stepTypes = ['say', 'ask', 'branch', 'capture', 'transfer', 'end'] as const;
export type StepType = (typeof stepTypes)[number];

export const answerTypes = ['text', 'number', 'choice', 'multi_choice', 'scale_1_5', 'scale_0_10', 'yes_no', 'date', 'phone', 'email', 'postcode'] as const;
export type AnswerType = (typeof answerTypes)[number];

/** Answer types whose options are the step's `choices`. */
export const choiceAnswerTypes: readonly AnswerType[] = ['choice', 'multi_choice'];
/** Scales: a whole number between fixed ends (the 0–10 one is the "would you recommend" question, read as NPS). */
export const scaleBounds = { scale_1_5: { min: 1, max: 5 }, scale_0_10: { min: 0, max: 10 } } as const satisfies Partial<Record<AnswerType, { min: number; max: number }>>;
/**
 * What `min`/`max` bound for each type: a number's value, a text's or postcode's length, how many
 * options a multiple choice takes. Other types take no bounds.
 */
export const answerBounds: Partial<Record<AnswerType, 'value' | 'length' | 'count'>> = { number: 'value', text: 'length', postcode: 'length', multi_choice: 'count' };

export const branchOperators = ['equals', 'not_equals', 'less_than', 'greater_than', 'answered', 'not_answered'] as const;
export type BranchOperator = (typeof branchOperators)[number];
/** Operators that compare with a value (the others only look at whether there is an answer). */
export const valueOperators: readonly BranchOperator[] = ['equals', 'not_equals', 'less_than', 'greater_than'];

export const stepIdPattern = /^[a-z][a-z0-9_]{0,39}$/;
export const dispositionCodePattern = /^[a-z0-9][a-z0-9_]{0,39}$/;
export const choiceValuePattern = /^[a-z0-9][a-z0-9_]{0,39}$/;
const e164Pattern = /^\+[1-9][0-9]{6,14}$/;

/** Every free text of a script is checked as any typed text is (http/storable-text.ts), card numbers redacted. */
const safe = <T extends z.ZodType<string>>(schema: T) => markFreeText(schema.refine(storableText, unstorableTextIssue)).transform((text) => redactCardNumbers(text));

export const StepIdSchema = z.string().regex(stepIdPattern, 'Use a lowercase letter, then letters, digits and _ (up to 40).');
/** null: not chosen yet (allowed in a draft, refused at publishing). */
const NextSchema = StepIdSchema.nullable().default(null);
const TextSchema = safe(z.string().max(4000)).default('');
const LabelSchema = safe(z.string().trim().max(120)).optional();
export const DispositionCodeSchema = z.string().regex(dispositionCodePattern, 'Use lowercase letters, digits and _ (up to 40).');

export const ChoiceSchema = z.strictObject({
  value: z.string().regex(choiceValuePattern, 'Use lowercase letters, digits and _ (up to 40).'),
  label: safe(z.string().trim().max(200)),
});

export const AnswerSpecSchema = z.strictObject({
  type: z.enum(answerTypes),
  required: z.boolean().default(true),
  /** The options of a `choice` or `multi_choice` answer. */
  choices: z.array(ChoiceSchema).max(50).default([]),
  /** A number's bounds, a text's (or postcode's) length bounds, a multiple choice's number of options picked (answerBounds). */
  min: z.number().nullable().default(null),
  max: z.number().nullable().default(null),
});

export const SayStepSchema = z.strictObject({ id: StepIdSchema, type: z.literal('say'), label: LabelSchema, text: TextSchema, next: NextSchema });

export const AskStepSchema = z.strictObject({
  id: StepIdSchema,
  type: z.literal('ask'),
  label: LabelSchema,
  text: TextSchema,
  answer: AnswerSpecSchema,
  next: NextSchema,
});

export const BranchRuleSchema = z.strictObject({
  /** The ask step whose answer is tested. */
  step: StepIdSchema.nullable().default(null),
  op: z.enum(branchOperators).default('equals'),
  value: z.union([safe(z.string().max(200)), z.number(), z.boolean()]).nullable().default(null),
  next: NextSchema,
});

export const BranchStepSchema = z.strictObject({
  id: StepIdSchema,
  type: z.literal('branch'),
  label: LabelSchema,
  rules: z.array(BranchRuleSchema).max(50).default([]),
  otherwise: NextSchema,
});

export const CaptureSchema = z.strictObject({
  /** A field of the capture catalog, e.g. `order.items` or `survey.satisfaction`. */
  target: safe(z.string().max(80)),
  /** The ask step whose answer goes into the field. */
  from: StepIdSchema.nullable().default(null),
});

export const CaptureStepSchema = z.strictObject({
  id: StepIdSchema,
  type: z.literal('capture'),
  label: LabelSchema,
  captures: z.array(CaptureSchema).max(50).default([]),
  next: NextSchema,
});

export const TransferTargetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('skill'), skill: z.enum(callFunctionIds) }),
  z.strictObject({
    kind: z.literal('in_house'),
    /** Who takes the call at the client, e.g. "Fraud desk". */
    label: safe(z.string().trim().max(120)).default(''),
    /** Left out: the client's in-house destination for this function. */
    phone: z.string().regex(e164Pattern, 'Use an E.164 number such as +4969123456.').nullable().default(null),
  }),
  /** One of the client's own lines, by the name of its directory entry (e.g. "Fraud desk"). */
  z.strictObject({ kind: z.literal('directory'), entry: safe(z.string().trim().min(1, 'Choose an entry of the directory.').max(120)) }),
]);

export const TransferStepSchema = z.strictObject({
  id: StepIdSchema,
  type: z.literal('transfer'),
  label: LabelSchema,
  text: TextSchema,
  to: TransferTargetSchema,
});

export const EndStepSchema = z.strictObject({
  id: StepIdSchema,
  type: z.literal('end'),
  label: LabelSchema,
  text: TextSchema,
  disposition: DispositionCodeSchema.nullable().default(null),
});

export const StepSchema = z.discriminatedUnion('type', [SayStepSchema, AskStepSchema, BranchStepSchema, CaptureStepSchema, TransferStepSchema, EndStepSchema]);

export const ScriptBodySchema = z.strictObject({
  steps: z.array(StepSchema).max(200),
});

export type Step = z.output<typeof StepSchema>;
export type SayStep = z.output<typeof SayStepSchema>;
export type AskStep = z.output<typeof AskStepSchema>;
export type BranchStep = z.output<typeof BranchStepSchema>;
export type BranchRule = z.output<typeof BranchRuleSchema>;
export type CaptureStep = z.output<typeof CaptureStepSchema>;
export type TransferStep = z.output<typeof TransferStepSchema>;
export type EndStep = z.output<typeof EndStepSchema>;
export type AnswerSpec = z.output<typeof AnswerSpecSchema>;
export type ScriptBody = z.output<typeof ScriptBodySchema>;
export type ScriptBodyInput = z.input<typeof ScriptBodySchema>;

// ---- variables -------------------------------------------------------------------------------

export const variableGroups = ['operator', 'caller', 'company'] as const;
export type VariableGroup = (typeof variableGroups)[number];

export interface VariableDefinition {
  name: string;
  /** What the variable stands for, in the editor's menu. */
  label: string;
  group: VariableGroup;
  /** An example value: the menu shows it and the preview fills it in. */
  sample: string;
}

/**
 * What {{variables}} a say, ask, transfer or end text may use; `answers.<stepId>` names the answer
 * given to an ask step of the same script. The desk fills each of them for the call
 * (api/src/desk/context.ts); a caller or customer value not known yet stays visible as written.
 */
export const scriptVariables: readonly VariableDefinition[] = [
  { name: 'operator.firstName', group: 'operator', label: "The operator's first name", sample: 'Julie' },
  { name: 'operator.name', group: 'operator', label: "The operator's full name", sample: 'Julie Moreau' },
  { name: 'caller.phone', group: 'caller', label: "Caller's phone number", sample: '+33 6 12 34 56 78' },
  { name: 'caller.name', group: 'caller', label: "Caller's name (if known)", sample: 'Claire Martin' },
  { name: 'customer.name', group: 'caller', label: "Customer's name", sample: 'Claire Martin' },
  { name: 'customer.email', group: 'caller', label: "Customer's email", sample: 'claire.martin@example.com' },
  { name: 'customer.phone', group: 'caller', label: "Customer's phone", sample: '+33 6 12 34 56 78' },
  { name: 'customer.address', group: 'caller', label: "Customer's address", sample: '12 rue de la Paix, 75002 Paris' },
  { name: 'customer.number', group: 'caller', label: "Customer's account number", sample: 'C-10482' },
  { name: 'tenant.name', group: 'company', label: 'Company name', sample: 'Your company' },
  { name: 'tenant.greeting', group: 'company', label: "Company's greeting (from its confidentiality rules)", sample: 'Thank you for calling Your company. How may I help you?' },
  { name: 'hours.today', group: 'company', label: "Today's opening hours for this service", sample: '11:00–14:30, 18:00–23:00' },
  { name: 'promotions.active', group: 'company', label: 'Current promotions', sample: '2 pizzas bought, the 3rd free' },
];
export const answerVariablePrefix = 'answers.';
export const variablePattern = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The variable names a text uses, in order of appearance. */
export function variablesIn(text: string): string[] {
  return [...text.matchAll(variablePattern)].map((m) => m[1] ?? '');
}

// ---- capture targets ---------------------------------------------------------------------------

export interface CaptureTarget {
  /** `entity.field`, e.g. `order.items`. */
  target: string;
  entity: CaptureEntity;
  label: string;
  /** The answer types that fit the field; none listed: any. */
  answerTypes?: readonly AnswerType[];
  /**
   * A field the confidentiality rules do not name itself, classified as one they do (a lead's phone is a
   * customer's phone): the client's rules for that field mask it everywhere it appears.
   */
  classifiedAs?: string;
}

export const captureEntities = ['order', 'complaint', 'survey', 'customer', 'lead'] as const;
export type CaptureEntity = (typeof captureEntities)[number];

/** The fields a script may capture answers into, per record the call produces. */
export const captureTargets: readonly CaptureTarget[] = [
  { target: 'order.items', entity: 'order', label: 'Order: items' },
  { target: 'order.fulfilment', entity: 'order', label: 'Order: delivery or pickup', answerTypes: ['choice', 'text'] },
  { target: 'order.delivery_address', entity: 'order', label: 'Order: delivery address', answerTypes: ['text'] },
  { target: 'order.requested_time', entity: 'order', label: 'Order: requested time', answerTypes: ['text', 'date'] },
  { target: 'order.notes', entity: 'order', label: 'Order: notes' },
  { target: 'complaint.category', entity: 'complaint', label: 'Complaint: category', answerTypes: ['choice', 'text'] },
  { target: 'complaint.severity', entity: 'complaint', label: 'Complaint: severity', answerTypes: ['choice', 'number'] },
  { target: 'complaint.description', entity: 'complaint', label: 'Complaint: description', answerTypes: ['text'] },
  { target: 'complaint.desired_resolution', entity: 'complaint', label: 'Complaint: desired resolution', answerTypes: ['text', 'choice'] },
  { target: 'complaint.reference', entity: 'complaint', label: 'Complaint: order or contract reference', answerTypes: ['text', 'number'] },
  { target: 'customer.name', entity: 'customer', label: 'Customer: name', answerTypes: ['text'] },
  { target: 'customer.email', entity: 'customer', label: 'Customer: email', answerTypes: ['email', 'text'] },
  { target: 'customer.phone', entity: 'customer', label: 'Customer: phone', answerTypes: ['phone', 'text'] },
  { target: 'customer.address', entity: 'customer', label: 'Customer: address', answerTypes: ['text'] },
  { target: 'customer.birth_date', entity: 'customer', label: 'Customer: date of birth', answerTypes: ['date'] },
  { target: 'customer.consent_marketing', entity: 'customer', label: 'Customer: agrees to offers', answerTypes: ['yes_no'] },
  { target: 'lead.name', entity: 'lead', label: 'Lead: name', answerTypes: ['text'], classifiedAs: 'customer.name' },
  { target: 'lead.company', entity: 'lead', label: 'Lead: company', answerTypes: ['text'] },
  { target: 'lead.phone', entity: 'lead', label: 'Lead: phone', answerTypes: ['phone', 'text'], classifiedAs: 'customer.phone' },
  { target: 'lead.email', entity: 'lead', label: 'Lead: email', answerTypes: ['email', 'text'], classifiedAs: 'customer.email' },
  { target: 'lead.postcode', entity: 'lead', label: 'Lead: postcode', answerTypes: ['postcode', 'text'], classifiedAs: 'customer.address' },
  { target: 'lead.interest', entity: 'lead', label: 'Lead: interest', answerTypes: ['choice', 'multi_choice', 'text', 'yes_no'] },
  { target: 'lead.budget', entity: 'lead', label: 'Lead: budget', answerTypes: ['number', 'choice'] },
  { target: 'lead.timeline', entity: 'lead', label: 'Lead: when they would buy', answerTypes: ['choice', 'text', 'date'] },
  { target: 'lead.qualified', entity: 'lead', label: 'Lead: qualified (no: no lead is recorded)', answerTypes: ['yes_no'] },
  { target: 'lead.callback_at', entity: 'lead', label: 'Lead: call back on', answerTypes: ['date', 'text'] },
  { target: 'lead.notes', entity: 'lead', label: 'Lead: notes', answerTypes: ['text'] },
];

/** Survey answers are open-ended: `survey.<question>`, one field per question. */
export const surveyTargetPattern = /^survey\.[a-z][a-z0-9_]{0,39}$/;

export function findCaptureTarget(target: string): CaptureTarget | undefined {
  const known = captureTargets.find((t) => t.target === target);
  if (known) return known;
  if (surveyTargetPattern.test(target)) return { target, entity: 'survey', label: `Survey: ${target.slice('survey.'.length).replaceAll('_', ' ')}` };
  return undefined;
}

// ---- required captures per function ------------------------------------------------------------

export interface RequiredCapture {
  /** Satisfied when at least one capture's target matches. */
  matches: (target: string) => boolean;
  /** The capture target it asks for, as the problem names it. */
  field: string;
  message: string;
}

/** What a function's script must capture to produce its record (an order needs items…). */
export const requiredCaptures: Partial<Record<CallFunctionId, readonly RequiredCapture[]>> = {
  order_taking: [{ matches: (t) => t === 'order.items', field: 'order.items', message: 'An order script must capture at least one item (order.items).' }],
  complaints: [
    { matches: (t) => t === 'complaint.category', field: 'complaint.category', message: 'A complaints script must capture the complaint category (complaint.category).' },
    { matches: (t) => t === 'complaint.description', field: 'complaint.description', message: 'A complaints script must capture the complaint description (complaint.description).' },
  ],
  surveys: [{ matches: (t) => surveyTargetPattern.test(t), field: 'survey.<question>', message: 'A survey script must capture at least one survey answer (survey.<question>).' }],
};

/** An empty script to start a draft from. */
export function emptyScript(): ScriptBody {
  return { steps: [] };
}

/** JSON with object keys sorted, so two bodies compare equal whatever order jsonb gave their keys. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
