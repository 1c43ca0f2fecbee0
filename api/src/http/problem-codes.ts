/**
 * The stable codes of the API's problems and of their field errors: the one list of them, so a code
 * cannot be answered without being listed here, translated in web/src/locales (`problems.<code>`,
 * `validation.<code>`) and documented in docs/errors.md (tests/problem-codes.test.ts keeps all three
 * equal). A code never changes meaning once published; the English `title`, `detail` and `message`
 * beside it are for people reading the API and may be reworded.
 */

/** Problem codes (the problem's `code`), each with what it means. */
export const problemCodes = {
  invalid_input: 'Some fields are invalid: `errors[]` names each one.',
  not_found: 'There is nothing here, or you may not see it.',
  forbidden: 'You may not do this.',
  unauthenticated: 'Log in first.',
  conflict: 'The request conflicts with existing data.',
  duplicate: 'That would duplicate something that already exists.',
  payload_too_large: 'The request body is too large.',
  http_error: 'The request failed.',
  retry: 'The request collided with another one; nothing was changed: try again.',
  internal: 'The request failed on our side; nothing was changed.',
  invalid_credentials: 'The email or password is not right.',
  too_many_attempts: 'Too many failed logins; try again in `minutes` minutes.',
  cross_origin_refused: 'The request came from another site and was refused.',
  agreement_required: 'A signed confidentiality agreement is required before working for this company.',
  tenant_suspended: 'The company `tenant` is suspended: its data can be read but not changed.',
  idempotency_key_reused: 'The Idempotency-Key was already used with a different request body.',
  idempotency_key_in_use: 'A request with this Idempotency-Key is still being processed.',
  events_unavailable: 'This server runs without live events.',
  replayed: 'This signed request was already accepted once.',
  telephony_signature_missing: 'The telephony request is not signed.',
  telephony_signature_stale: 'The telephony request’s timestamp is too far from the server’s clock.',
  telephony_signature_invalid: 'The telephony request’s signature does not match.',
  telephony_signature_retired: 'The telephony request uses a retired signature version.',
  stripe_not_configured: 'This server does not bill through Stripe.',
  stripe_signature_missing: 'The Stripe webhook is not signed.',
  stripe_signature_stale: 'The Stripe webhook’s signature is too old.',
  stripe_signature_invalid: 'The Stripe webhook’s signature does not match.',
  stripe_unreachable: 'Stripe could not be reached; nothing was changed.',
  not_transferred: 'Only a call transferred in-house and still on the line can come back.',
  offer_taken: 'This call is no longer offered to you.',
  not_your_call: 'This call is not yours to act on.',
  wrap_up_over: 'This call is no longer being wrapped up.',
  extension_not_allowed: 'This client does not allow extending a wrap-up.',
  already_extended: 'A wrap-up can be extended once; this one already was.',
  outcome_recorded: 'This call already has its outcome, or its operator is still handling it.',
  on_a_call: 'Recent calls are shown between calls.',
  on_call: 'Finish the call or its wrap-up first.',
  call_in_progress: '`n` calls of this person are still in progress: erase once they have ended.',
  recording_not_pausable: 'This client’s rules do not let the recording be paused.',
  recording_not_on: 'The recording is not running: there is nothing to pause.',
  recording_not_paused: 'The recording is not paused: there is nothing to resume.',
  not_recorded: 'This call was not recorded.',
  'order.final_status': 'The order is `status`: its status no longer changes.',
  'complaint.closed': 'The complaint is closed: its status no longer changes.',
  'email.taken': 'That email already has an account.',
  'member.exists': 'This person is already a member of this company.',
  'tenant.slug_taken': 'Another company already uses this slug.',
  'number.taken': 'A number already answers for another client company.',
  'directory.name_taken': 'The directory already has an entry with that name.',
  'synonyms.exist': 'This group of synonyms exists already.',
  'catalog.item_in_promotion': 'The item `sku` is named by promotions (`promotions`): take it out of them first.',
  'wrap_up_code.taken': 'There is already a wrap-up code `code`.',
  'wrap_up_code.in_use': 'The wrap-up code `code` ends calls in a published script: retire it instead.',
  'script.nothing_to_publish': 'There is no draft to publish yet.',
  'script.not_publishable': 'The script has `n` problems to fix before it can be published.',
  'billing.not_past_due': 'The company `tenant` is not past due.',
  'billing.in_grace_period': 'The company `tenant` is in its grace period until `until`.',
  'invoice.stripe': 'This invoice is Stripe’s: its payment is recorded when Stripe reports it.',
  'invoice.not_open': 'Only an open invoice can be marked paid.',
  'price.in_use': 'This price has been used to rate usage: add a new version instead.',
  'prices.invalid': 'Nothing was saved: correct these prices.',
  'transfer.entry_unavailable': 'That directory entry is not one to transfer to.',
  'transfer.no_in_house': 'There is nowhere in-house to transfer this call.',
  'rules.masked_filter': 'A filter names a field you see masked.',
  'delegation.not_settable': 'This function cannot be set this way yet.',
  'password.current_wrong': 'The current password is not right.',
  'password.unchanged': 'Choose a new password.',
} as const satisfies Record<string, string>;

/** Field error codes (each `errors[].code`), with what they mean and the `params` they carry. */
export const fieldCodes = {
  invalid: 'Not coded yet: read `message`.',
  required: 'A value is needed.',
  too_small: 'Too short, too few or too small: `minimum`, `origin` (string, array, number…), `inclusive`.',
  too_big: 'Too long, too many or too large: `maximum`, `origin`, `inclusive`.',
  invalid_type: 'The wrong kind of value: `expected`.',
  invalid_format: 'Not in the expected format: `format` (email, uuid, datetime, date, url, regex…).',
  invalid_value: 'Not one of the allowed values: `values`.',
  not_multiple_of: 'Not a multiple of `divisor`.',
  unrecognized_keys: 'Fields the API does not know: `keys`.',
  invalid_union: 'None of the accepted shapes.',
  nul_byte: 'The text holds invisible control characters (NUL bytes or broken characters).',
  card_number: 'A payment card number where none may be stored.',
  card_last_four: 'Only the last four digits of a card are kept: enter those.',
  slug: '1–40 lowercase letters, digits and inner hyphens.',
  skill: 'Lowercase letters, digits, - and _ (up to 40).',
  time_zone: 'An IANA time zone such as Europe/Paris.',
  locale: 'A BCP 47 locale such as fr-FR.',
  currency: 'An ISO 4217 currency code such as EUR.',
  phone: 'A valid phone number, with its country code if it is not a local one.',
  phone_number: 'A valid international number with its country code.',
  one_of: 'Give exactly one of two fields: `fields`.',
  not_both: 'Give one of two fields, not both: `fields`.',
  listed_twice: '`value` is listed twice.',
  no_such_call: 'There is no such call.',
  no_such_customer: 'There is no such customer.',
  no_such_item: 'There is no such item in the catalog.',
  cursor: 'Not a cursor a list answered.',
  'wrap_up_code.unknown': 'Not one of the company’s wrap-up codes.',
  'order.final_status': 'The order is already `status`.',
  'order.item_unavailable': '`item` is not available at the moment.',
  'order.item_currency': '`item` is priced in `currency`, not in the company’s `expected`.',
  'order.no_such_option': '`item` has no option `option`.',
  'order.one_choice': 'Choose one `group`.',
  'order.not_a_choice': '`choice` is not a `group` of `item`.',
  'order.choice_required': 'Choose a `group` for `item`.',
  'complaint.closed': 'The complaint is closed.',
  'email.taken': 'This email already has an account.',
  'member.exists': 'Already a member of this company.',
  'tenant.slug_taken': 'Another company already uses this slug.',
  'customer.phone_taken': 'Another customer already has this phone number.',
  'number.taken': 'This number already answers for another client company.',
  'directory.name_taken': 'Another entry already has this name.',
  'synonyms.exist': 'This group of synonyms exists already.',
  'catalog.currency': 'Prices are in the company’s currency, `currency`.',
  'catalog.sku_taken': 'Another item already has the SKU `sku`.',
  'catalog.item_in_promotion': 'The item is named by promotions (`promotions`).',
  'catalog.tariff_name_taken': 'Another tariff is already named `name`.',
  'catalog.promotion_title_taken': 'Another promotion is already titled `title`.',
  'catalog.article_title_taken': 'Another article is already titled `title`.',
  'catalog.unknown_sku': 'No item has the SKU `sku`.',
  'dates.end_before_start': 'The last day cannot come before the first day.',
  'wrap_up_code.taken': 'This code is already used.',
  'script.no_draft': 'There is no draft to publish yet.',
  'transfer.entry': 'Not one of the client’s active directory entries.',
  'transfer.no_in_house': 'This function has no in-house destination.',
  'payment.future': 'A payment cannot arrive in the future.',
  'rules.own_address': 'Your own address (`address`) is not in the list: saving it would lock you out.',
  'privacy.reference_names_person': 'Leave the person’s phone number or e-mail out of the reference.',
  'password.current_wrong': 'This is not your current password.',
  'password.unchanged': 'The new password must differ from the current one.',
  'password.published': 'This password is published with the demo: choose another.',
  'function.unknown': 'Unknown function `name`.',
} as const satisfies Record<string, string>;

export type ProblemCode = keyof typeof problemCodes;
export type FieldCode = keyof typeof fieldCodes;
/** What a message's placeholders are filled with. */
export type ProblemParams = Record<string, string | number | boolean | (string | number)[]>;

/** One field's error: where, what (a code and its params) and, for people reading the API, in English. */
export interface FieldError {
  path: string;
  code: FieldCode;
  params?: ProblemParams;
  message: string;
}

export const isProblemCode = (code: string): code is ProblemCode => Object.hasOwn(problemCodes, code);
export const isFieldCode = (code: string): code is FieldCode => Object.hasOwn(fieldCodes, code);

/** A field error, its code first: `fieldError('phone', 'phone', 'Enter a valid phone number.')`. */
export const fieldError = (path: string, code: FieldCode, message: string, params?: ProblemParams): FieldError =>
  params ? { path, code, params, message } : { path, code, message };
