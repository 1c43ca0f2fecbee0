import { callFunctionIds, type CallFunctionId } from '@switchboard/db/call-functions';
import type { Language } from '@switchboard/db/languages';
import { ScriptBodySchema, type ScriptBody, type ScriptBodyInput, type Step } from './model.ts';
import { templateWords } from './template-words.ts';

/**
 * A first script per call-center function, to start from instead of an empty page. Each holds what
 * its function's record needs (requiredCaptures) and names the wrap-up codes it ends with, so it
 * passes the publish check as it is once the tenant has those codes (the editor adds the missing
 * ones). One place for all of them: GET /api/t/:tenant/scripts/templates serves these, and
 * templates.test.ts runs every one through validateScript().
 */

export interface ScriptTemplate {
  function: CallFunctionId;
  name: string;
  description: string;
  /** The wrap-up codes its end steps use, with the words operators see. */
  wrapUpCodes: readonly { code: string; label: string }[];
  body: ScriptBody;
}

const yesNo = { type: 'yes_no' } as const;
const text = (required = true) => ({ type: 'text', required }) as const;
const choice = (...options: [string, string][]) => ({ type: 'choice', choices: options.map(([value, label]) => ({ value, label })) }) as const;

/** Who is speaking, for whom: every inbound template opens with this. */
const inboundGreeting = '{{tenant.greeting}} My name is {{operator.firstName}}.';
/** Outbound calls introduce the operator and the company before asking for the caller's time. */
const outboundIntro = 'Hello {{customer.name}}, this is {{operator.firstName}} calling for {{tenant.name}}.';

const templates: Record<CallFunctionId, Omit<ScriptTemplate, 'function' | 'body'> & { body: ScriptBodyInput }> = {
  order_taking: {
    name: 'Take an order',
    description: 'Greet, take the caller’s name, delivery or pickup, the items and the address, read the order back, close.',
    wrapUpCodes: [{ code: 'order_taken', label: 'Order taken' }],
    body: {
      steps: [
        { id: 'greet', type: 'say', text: inboundGreeting, next: 'name' },
        { id: 'name', type: 'ask', text: 'May I have your name, please?', answer: text(), next: 'mode' },
        { id: 'mode', type: 'ask', text: 'Is it for delivery or will you pick it up?', answer: choice(['delivery', 'Delivery'], ['pickup', 'Pickup']), next: 'items' },
        { id: 'items', type: 'ask', text: 'What would you like to order?', answer: text(), next: 'route' },
        { id: 'route', type: 'branch', rules: [{ step: 'mode', op: 'equals', value: 'delivery', next: 'address' }], otherwise: 'save' },
        { id: 'address', type: 'ask', text: 'What is the delivery address?', answer: text(), next: 'save' },
        {
          id: 'save',
          type: 'capture',
          captures: [
            { target: 'customer.name', from: 'name' },
            { target: 'order.fulfilment', from: 'mode' },
            { target: 'order.items', from: 'items' },
            { target: 'order.delivery_address', from: 'address' },
          ],
          next: 'confirm',
        },
        { id: 'confirm', type: 'ask', text: 'So that is {{answers.items}}. Is that right?', answer: yesNo, next: 'confirmed' },
        { id: 'confirmed', type: 'branch', rules: [{ step: 'confirm', op: 'equals', value: false, next: 'items' }], otherwise: 'close' },
        { id: 'close', type: 'end', text: 'Thank you {{answers.name}}, your order is on its way. Goodbye!', disposition: 'order_taken' },
      ],
    },
  },
  information: {
    name: 'Answer a question',
    description: 'Greet, note the topic and the question, answer from the knowledge base, check the caller has what they need.',
    wrapUpCodes: [
      { code: 'info_given', label: 'Information given' },
      { code: 'info_follow_up', label: 'Follow-up needed' },
    ],
    body: {
      steps: [
        { id: 'greet', type: 'say', text: inboundGreeting, next: 'topic' },
        {
          id: 'topic',
          type: 'ask',
          text: 'What is your question about?',
          answer: choice(['services', 'Our services'], ['tariffs', 'Prices and tariffs'], ['procedures', 'A procedure'], ['promotions', 'A promotion'], ['other', 'Something else']),
          next: 'question',
        },
        { id: 'question', type: 'ask', text: 'Note the caller’s question, then answer it from the knowledge base. Today we are open {{hours.today}}.', answer: text(), next: 'answered' },
        { id: 'answered', type: 'ask', text: 'Does that answer your question?', answer: yesNo, next: 'resolved' },
        { id: 'resolved', type: 'branch', rules: [{ step: 'answered', op: 'equals', value: false, next: 'follow_up' }], otherwise: 'close' },
        { id: 'follow_up', type: 'end', text: 'I have noted your question; someone from {{tenant.name}} will come back to you.', disposition: 'info_follow_up' },
        { id: 'close', type: 'end', text: 'Thank you for calling {{tenant.name}}. Goodbye!', disposition: 'info_given' },
      ],
    },
  },
  complaints: {
    name: 'Record a complaint',
    description: 'Greet, identify the caller and the order or contract, the category, what happened, its severity and the resolution wanted.',
    wrapUpCodes: [{ code: 'complaint_recorded', label: 'Complaint recorded' }],
    body: {
      steps: [
        { id: 'greet', type: 'say', text: inboundGreeting, next: 'name' },
        { id: 'name', type: 'ask', text: 'May I have your name, please?', answer: text(), next: 'reference' },
        { id: 'reference', type: 'ask', text: 'What is your order or contract number, if you have it?', answer: text(false), next: 'category' },
        {
          id: 'category',
          type: 'ask',
          text: 'What is your complaint about?',
          answer: choice(['product', 'A product'], ['delivery', 'A delivery'], ['billing', 'A bill'], ['service', 'The service'], ['other', 'Something else']),
          next: 'description',
        },
        { id: 'description', type: 'ask', text: 'Please tell me what happened.', answer: text(), next: 'severity' },
        {
          id: 'severity',
          type: 'ask',
          text: 'How serious is it for the caller?',
          answer: choice(['low', 'Low'], ['medium', 'Medium'], ['high', 'High'], ['critical', 'Critical']),
          next: 'resolution',
        },
        { id: 'resolution', type: 'ask', text: 'What would you like us to do about it?', answer: text(false), next: 'save' },
        {
          id: 'save',
          type: 'capture',
          captures: [
            { target: 'customer.name', from: 'name' },
            { target: 'complaint.reference', from: 'reference' },
            { target: 'complaint.category', from: 'category' },
            { target: 'complaint.description', from: 'description' },
            { target: 'complaint.severity', from: 'severity' },
            { target: 'complaint.desired_resolution', from: 'resolution' },
          ],
          next: 'close',
        },
        { id: 'close', type: 'end', text: 'Thank you {{answers.name}}, your complaint is recorded and {{tenant.name}} will come back to you.', disposition: 'complaint_recorded' },
      ],
    },
  },
  data_entry: {
    name: 'Update a customer record',
    description: 'Greet, then take or correct the caller’s name, email, address and consent to offers, and read them back.',
    wrapUpCodes: [{ code: 'record_updated', label: 'Record updated' }],
    body: {
      steps: [
        { id: 'greet', type: 'say', text: inboundGreeting, next: 'name' },
        { id: 'name', type: 'ask', text: 'May I have your full name, please?', answer: text(), next: 'email' },
        { id: 'email', type: 'ask', text: 'What is your email address?', answer: { type: 'email', required: false }, next: 'address' },
        { id: 'address', type: 'ask', text: 'And your postal address?', answer: text(false), next: 'consent' },
        { id: 'consent', type: 'ask', text: 'May {{tenant.name}} send you its offers?', answer: yesNo, next: 'save' },
        {
          id: 'save',
          type: 'capture',
          captures: [
            { target: 'customer.name', from: 'name' },
            { target: 'customer.email', from: 'email' },
            { target: 'customer.address', from: 'address' },
            { target: 'customer.consent_marketing', from: 'consent' },
          ],
          next: 'close',
        },
        { id: 'close', type: 'end', text: 'Thank you {{answers.name}}, your details are up to date.', disposition: 'record_updated' },
      ],
    },
  },
  outbound_info: {
    name: 'Announce an offer',
    description: 'Introduce yourself, ask for a minute, announce the current promotion, note the interest.',
    wrapUpCodes: [
      { code: 'informed', label: 'Customer informed' },
      { code: 'callback_requested', label: 'Call back later' },
    ],
    body: {
      steps: [
        { id: 'intro', type: 'say', text: outboundIntro, next: 'time' },
        { id: 'time', type: 'ask', text: 'Do you have a minute?', answer: yesNo, next: 'has_time' },
        { id: 'has_time', type: 'branch', rules: [{ step: 'time', op: 'equals', value: false, next: 'later' }], otherwise: 'announce' },
        { id: 'announce', type: 'say', text: 'We would like to tell you about: {{promotions.active}}.', next: 'interest' },
        { id: 'interest', type: 'ask', text: 'Would you like to know more?', answer: yesNo, next: 'save' },
        { id: 'save', type: 'capture', captures: [{ target: 'lead.interest', from: 'interest' }], next: 'close' },
        { id: 'close', type: 'end', text: 'Thank you for your time. Goodbye!', disposition: 'informed' },
        { id: 'later', type: 'end', text: 'No problem, we will call you another time. Goodbye!', disposition: 'callback_requested' },
      ],
    },
  },
  surveys: {
    name: 'Run a satisfaction survey',
    description: 'Introduce yourself, ask for consent, a score from 1 to 10, whether they would recommend, and comments.',
    wrapUpCodes: [
      { code: 'survey_completed', label: 'Survey completed' },
      { code: 'survey_refused', label: 'Survey refused' },
    ],
    body: {
      steps: [
        { id: 'intro', type: 'say', text: outboundIntro, next: 'consent' },
        { id: 'consent', type: 'ask', text: 'Would you answer three short questions about {{tenant.name}}?', answer: yesNo, next: 'agreed' },
        { id: 'agreed', type: 'branch', rules: [{ step: 'consent', op: 'equals', value: false, next: 'refused' }], otherwise: 'score' },
        { id: 'score', type: 'ask', text: 'From 1 to 10, how satisfied are you with {{tenant.name}}?', answer: { type: 'number', min: 1, max: 10 }, next: 'recommend' },
        { id: 'recommend', type: 'ask', text: 'Would you recommend us to a friend?', answer: yesNo, next: 'comments' },
        { id: 'comments', type: 'ask', text: 'Is there anything you would like to tell us?', answer: text(false), next: 'save' },
        {
          id: 'save',
          type: 'capture',
          captures: [
            { target: 'survey.satisfaction', from: 'score' },
            { target: 'survey.recommend', from: 'recommend' },
            { target: 'survey.comments', from: 'comments' },
          ],
          next: 'close',
        },
        { id: 'close', type: 'end', text: 'Thank you for your answers. Goodbye!', disposition: 'survey_completed' },
        { id: 'refused', type: 'end', text: 'No problem, thank you for your time. Goodbye!', disposition: 'survey_refused' },
      ],
    },
  },
  telesales: {
    name: 'Make an offer',
    description: 'Introduce yourself, present the promotion, and record a sale, a call back or a refusal.',
    wrapUpCodes: [
      { code: 'sale_made', label: 'Sale made' },
      { code: 'callback_requested', label: 'Call back later' },
      { code: 'not_interested', label: 'Not interested' },
    ],
    body: {
      steps: [
        { id: 'intro', type: 'say', text: `${outboundIntro} We have an offer for you: {{promotions.active}}.`, next: 'interest' },
        { id: 'interest', type: 'ask', text: 'Are you interested?', answer: choice(['yes', 'Yes'], ['later', 'Call me back later'], ['no', 'No']), next: 'decide' },
        {
          id: 'decide',
          type: 'branch',
          rules: [
            { step: 'interest', op: 'equals', value: 'yes', next: 'details' },
            { step: 'interest', op: 'equals', value: 'later', next: 'when' },
          ],
          otherwise: 'declined',
        },
        { id: 'details', type: 'ask', text: 'Note what the customer takes.', answer: text(), next: 'save_sale' },
        { id: 'save_sale', type: 'capture', captures: [{ target: 'lead.interest', from: 'interest' }, { target: 'lead.notes', from: 'details' }], next: 'sold' },
        { id: 'sold', type: 'end', text: 'Thank you, your order is registered. Goodbye!', disposition: 'sale_made' },
        { id: 'when', type: 'ask', text: 'When may we call you back?', answer: text(), next: 'save_callback' },
        { id: 'save_callback', type: 'capture', captures: [{ target: 'lead.callback_at', from: 'when' }], next: 'later' },
        { id: 'later', type: 'end', text: 'We will call you back then. Goodbye!', disposition: 'callback_requested' },
        { id: 'declined', type: 'end', text: 'I understand. Thank you for your time. Goodbye!', disposition: 'not_interested' },
      ],
    },
  },
  lead_qualification: {
    name: 'Qualify a contact',
    description: 'Introduce yourself, confirm who you speak to, their interest, when to call back and notes.',
    wrapUpCodes: [
      { code: 'lead_qualified', label: 'Lead qualified' },
      { code: 'not_interested', label: 'Not interested' },
    ],
    body: {
      steps: [
        { id: 'intro', type: 'say', text: outboundIntro, next: 'name' },
        { id: 'name', type: 'ask', text: 'Whom am I speaking with?', answer: text(), next: 'interest' },
        {
          id: 'interest',
          type: 'ask',
          text: 'How interested are they in {{tenant.name}}’s services?',
          answer: choice(['high', 'Very'], ['medium', 'Somewhat'], ['low', 'A little'], ['none', 'Not at all']),
          next: 'decide',
        },
        { id: 'decide', type: 'branch', rules: [{ step: 'interest', op: 'equals', value: 'none', next: 'declined' }], otherwise: 'callback' },
        { id: 'callback', type: 'ask', text: 'When is a good time to call back?', answer: text(false), next: 'notes' },
        { id: 'notes', type: 'ask', text: 'Notes for the sales team', answer: text(false), next: 'save' },
        {
          id: 'save',
          type: 'capture',
          captures: [
            { target: 'customer.name', from: 'name' },
            { target: 'lead.interest', from: 'interest' },
            { target: 'lead.callback_at', from: 'callback' },
            { target: 'lead.notes', from: 'notes' },
          ],
          next: 'close',
        },
        { id: 'close', type: 'end', text: 'Thank you {{answers.name}}, we will be in touch. Goodbye!', disposition: 'lead_qualified' },
        { id: 'declined', type: 'end', text: 'I understand. Thank you for your time. Goodbye!', disposition: 'not_interested' },
      ],
    },
  },
};

/** Every template, in the order of the call-center functions. */
export const scriptTemplates: readonly ScriptTemplate[] = callFunctionIds.map((fn) => ({
  ...templates[fn],
  function: fn,
  body: ScriptBodySchema.parse(templates[fn].body),
}));

/**
 * The templates in a language (the tenant's: what its operators read aloud), same flow, names and
 * codes; English where a language has no words yet (Russian today) or a word is missing.
 */
export function templatesIn(language: Language | null): readonly ScriptTemplate[] {
  const words = language ? templateWords[language] : undefined;
  if (!words) return scriptTemplates;
  return scriptTemplates.map((template) => {
    const w = words[template.function];
    const step = (s: Step): Step => {
      const text = w.text[s.id];
      const choices = w.choices?.[s.id];
      const withText = text !== undefined && 'text' in s ? { ...s, text } : s;
      if (!choices || withText.type !== 'ask') return withText;
      return { ...withText, answer: { ...withText.answer, choices: withText.answer.choices.map((c) => ({ ...c, label: choices[c.value] ?? c.label })) } };
    };
    return {
      ...template,
      name: w.name,
      description: w.description,
      wrapUpCodes: template.wrapUpCodes.map((c) => ({ ...c, label: w.codes[c.code] ?? c.label })),
      body: { steps: template.body.steps.map(step) },
    };
  });
}

export function templateFor(fn: CallFunctionId): ScriptTemplate | undefined {
  return scriptTemplates.find((t) => t.function === fn);
}
