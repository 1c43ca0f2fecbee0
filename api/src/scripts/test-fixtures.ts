import type { ScriptBodyInput } from './model.ts';

/** A valid order-taking script: greet, delivery or pickup, items, address when delivered, end. */
export function pizzaScript(): ScriptBodyInput {
  return {
    steps: [
      { id: 'greet', type: 'say', text: '{{tenant.greeting}}, {{caller.name}}! Promotion: {{promotions.active}}', next: 'mode' },
      {
        id: 'mode',
        type: 'ask',
        text: 'Delivery or pickup?',
        answer: { type: 'choice', choices: [{ value: 'delivery', label: 'Delivery' }, { value: 'pickup', label: 'Pickup' }] },
        next: 'items',
      },
      { id: 'items', type: 'ask', text: 'What would you like?', answer: { type: 'text' }, next: 'route' },
      { id: 'route', type: 'branch', rules: [{ step: 'mode', op: 'equals', value: 'delivery', next: 'address' }], otherwise: 'save' },
      { id: 'address', type: 'ask', text: 'Delivery address?', answer: { type: 'text' }, next: 'save' },
      {
        id: 'save',
        type: 'capture',
        captures: [
          { target: 'order.items', from: 'items' },
          { target: 'order.delivery_address', from: 'address' },
          { target: 'order.fulfilment', from: 'mode' },
        ],
        next: 'confirm',
      },
      { id: 'confirm', type: 'ask', text: 'So that is {{answers.items}}. Correct?', answer: { type: 'yes_no' }, next: 'confirmed' },
      { id: 'confirmed', type: 'branch', rules: [{ step: 'confirm', op: 'equals', value: false, next: 'items' }], otherwise: 'done' },
      { id: 'done', type: 'end', text: 'Thank you, see you soon!', disposition: 'order_taken' },
    ],
  };
}

