import { sql } from 'kysely';
import { jsonb, type TenantTx } from '@switchboard/db';

/**
 * The calling lists under the person's rights (api/src/privacy): what of them is the person's, and what
 * their erasure removes. Two things survive an erasure, because they exist to protect the person: the
 * do-not-call entry (the number stays, its note goes) and the refusals (solicitation_refusals, and the
 * rules' dial_refusals, which hold the number, a rule and a generated reason). The opposition numbers
 * are the client's copy of Bloctel's list and stay too; dial attempts keep their number and times (the
 * 4-in-30-days count and the proof of compliance need them: GDPR art. 17(3)(b) and (e)) but lose the
 * operator's typed skip reason. Consents are deleted; the campaign contacts lose their name, e-mail,
 * postcode, custom fields and callback note and are excluded from dialling.
 */

const none = [''];

/** Contacts by the person's numbers, or by their e-mail when they are searched by e-mail. */
function contactsOf(tx: TenantTx, phones: string[], email: string | null) {
  return tx
    .selectFrom('campaignContacts')
    .select('id')
    .where((eb) => eb.or([eb('phone', 'in', phones.length ? phones : none), ...(email ? [eb(sql<string>`lower(email)`, '=', email.toLowerCase())] : [])]));
}

export async function callingListCounts(tx: TenantTx, phones: string[], email: string | null): Promise<{ consents: number; campaignContacts: number; doNotCall: number }> {
  const list = phones.length ? phones : none;
  const consents = await tx.selectFrom('consents').select((eb) => eb.fn.countAll<number>().as('n')).where('phone', 'in', list).executeTakeFirstOrThrow();
  const contacts = await tx.selectFrom(contactsOf(tx, phones, email).as('c')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const dnc = await tx.selectFrom('doNotCall').select((eb) => eb.fn.countAll<number>().as('n')).where('phone', 'in', list).executeTakeFirstOrThrow();
  return { consents: Number(consents.n), campaignContacts: Number(contacts.n), doNotCall: Number(dnc.n) };
}

export async function eraseCallingLists(tx: TenantTx, phones: string[], email: string | null): Promise<void> {
  const list = phones.length ? phones : none;
  await tx.deleteFrom('consents').where('phone', 'in', list).execute();
  // do_not_call is never updated (the app role may only add and remove entries): the entry is written again without its note.
  const kept = await tx.deleteFrom('doNotCall').where('phone', 'in', list).where('note', 'is not', null).returning(['phone', 'source', 'addedAt', 'addedBy']).execute();
  if (kept.length) await tx.insertInto('doNotCall').values(kept.map((k) => ({ ...k, tenantId: sql<string>`app.current_tenant_id()`, note: null }))).execute();
  const contactIds = (await contactsOf(tx, phones, email).execute()).map((c) => c.id);
  if (contactIds.length) {
    await tx
      .updateTable('campaignContacts')
      .set({ name: null, email: null, postcode: null, fields: jsonb({}), callbackNote: null, callbackAt: null, customerId: null, callbackOperatorId: null, state: 'excluded' })
      .where('id', 'in', contactIds)
      .execute();
    await tx.updateTable('dialAttempts').set({ skipReason: null }).where('contactId', 'in', contactIds).execute();
  }
  await tx.updateTable('dialAttempts').set({ skipReason: null }).where('phone', 'in', list).execute();
}
