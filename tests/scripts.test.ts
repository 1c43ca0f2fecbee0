import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { actorFor, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, uniqueEmail, uniqueSlug, type Client, type Harness } from './support/index.ts';

/** Call scripts over HTTP: drafts, publishing (all-or-nothing), immutable versions, diffs, wrap-up codes, who may write. */
let h: Harness;
let tenant: Tenant;
let admin: Client;
let member: Client;
let base: string;

const orderScript = (greeting = '{{tenant.greeting}}') => ({
  steps: [
    { id: 'greet', type: 'say', text: greeting, next: 'mode' },
    {
      id: 'mode',
      type: 'ask',
      text: 'Delivery or pickup?',
      answer: { type: 'choice', choices: [{ value: 'delivery', label: 'Delivery' }, { value: 'pickup', label: 'Pickup' }] },
      next: 'items',
    },
    { id: 'items', type: 'ask', text: 'What would you like?', answer: { type: 'text' }, next: 'save' },
    { id: 'save', type: 'capture', captures: [{ target: 'order.items', from: 'items' }], next: 'done' },
    { id: 'done', type: 'end', text: 'Thank you!', disposition: 'order_taken' },
  ],
});

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { slug: uniqueSlug('scripts'), actor: actorFor(provider) }));
  admin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  member = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
  base = `/api/t/${tenant.slug}`;
  expect((await admin.post(`${base}/wrap-up-codes`, { code: 'order_taken', label: 'Order taken' })).status).toBe(201);
});
afterAll(() => h?.close());

const versionCount = async () => Number((await sql<{ n: number }>`select count(*)::int as n from script_versions where tenant_id = ${tenant.id}`.execute(h.db)).rows[0]?.n);
const auditActions = async () =>
  (await h.db.selectFrom('auditLog').select('action').where('tenantId', '=', tenant.id).orderBy('at').orderBy('id').execute()).map((r) => r.action);

describe('scripts API', () => {
  it('lists every function, with no script yet', async () => {
    const res = await member.get(`${base}/scripts`);
    expect(res.status).toBe(200);
    expect(res.body.scripts.find((s: any) => s.function === 'order_taking')).toMatchObject({ exists: false, latestVersion: null, unpublishedChanges: false });
  });

  it('saves an unfinished draft (shape only) and reports what publishing would refuse', async () => {
    const res = await admin.put(`${base}/scripts/order_taking/draft`, { steps: [{ id: 'greet', type: 'say', text: 'Hello' }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ exists: true, latestVersion: null, body: { steps: [{ id: 'greet', next: null }] } });
    expect(res.body.problems).toEqual(expect.arrayContaining([{ path: 'steps[0].next', message: 'Choose the step that comes next.', code: 'missingNext', params: {} }]));
    expect((await admin.get(`${base}/scripts/order_taking/draft`)).body.body.steps).toHaveLength(1);
    expect(await auditActions()).toContain('script.draft_saved');
  });

  it('refuses a draft of the wrong shape with every path, and saves nothing', async () => {
    const res = await admin.put(`${base}/scripts/order_taking/draft`, { steps: [{ id: 'Bad Id', type: 'say' }, { id: 'x', type: 'dance' }] });
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((e: any) => e.path)).toEqual(expect.arrayContaining(['steps.0.id', 'steps.1.type']));
    expect((await admin.get(`${base}/scripts/order_taking/draft`)).body.body.steps).toHaveLength(1);
  });

  it('refuses to publish an invalid script, listing every problem with its path, and saves no version', async () => {
    const broken = orderScript();
    broken.steps[0]!.next = 'nowhere';
    (broken.steps[4] as any).disposition = 'made_up';
    broken.steps.splice(3, 1);
    await admin.put(`${base}/scripts/order_taking/draft`, broken);
    const auditBefore = (await auditActions()).length;
    const res = await admin.post(`${base}/scripts/order_taking/publish`);
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/application\/problem\+json/);
    expect(res.body.errors).toMatchObject(
      expect.arrayContaining([
        { path: 'steps[0].next', message: "Step 'nowhere' does not exist.", code: 'unknownStep', params: { id: 'nowhere' } },
        { path: 'steps[3].disposition', message: "'made_up' is not one of the company's wrap-up codes.", code: 'unknownDisposition', params: { code: 'made_up' } },
        { path: 'steps', message: expect.stringMatching(/at least one item/), code: 'requiredCapture', params: { field: 'order.items' } },
      ]),
    );
    expect(await versionCount()).toBe(0);
    expect((await auditActions()).length).toBe(auditBefore);
  });

  it('publishes version 1, then 2, and lists them newest first', async () => {
    await admin.put(`${base}/scripts/order_taking/draft`, orderScript());
    const first = await admin.post(`${base}/scripts/order_taking/publish`);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ version: 1, function: 'order_taking' });
    await admin.put(`${base}/scripts/order_taking/draft`, orderScript('{{tenant.greeting}} Que puis-je pour vous ?'));
    let list = (await member.get(`${base}/scripts`)).body.scripts.find((s: any) => s.function === 'order_taking');
    expect(list).toMatchObject({ exists: true, latestVersion: { version: 1 }, unpublishedChanges: true });
    const second = await admin.post(`${base}/scripts/order_taking/publish`);
    expect(second.body.version).toBe(2);
    list = (await member.get(`${base}/scripts`)).body.scripts.find((s: any) => s.function === 'order_taking');
    expect(list).toMatchObject({ latestVersion: { version: 2 }, unpublishedChanges: false });
    const versions = await member.get(`${base}/scripts/order_taking/versions`);
    expect(versions.body.versions.map((v: any) => v.version)).toEqual([2, 1]);
    const v1 = await member.get(`${base}/scripts/order_taking/versions/1`);
    expect(v1.body.body.steps[0].text).toBe('{{tenant.greeting}}');
    expect((await member.get(`${base}/scripts/order_taking/versions/9`)).status).toBe(404);
    expect((await auditActions()).filter((a) => a === 'script.published')).toHaveLength(2);
  });

  it('diffs two versions step by step', async () => {
    const res = await member.get(`${base}/scripts/order_taking/diff?from=1&to=2`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      from: 1,
      to: 2,
      added: [],
      removed: [],
      changed: [{ id: 'greet', fields: [{ field: 'text', before: '{{tenant.greeting}}', after: '{{tenant.greeting}} Que puis-je pour vous ?' }] }],
      unchanged: 4,
    });
    expect((await member.get(`${base}/scripts/order_taking/diff?from=1&to=7`)).status).toBe(404);
  });

  it('keeps versions immutable: the app role may not update or delete them', async () => {
    await expect(withTenant(h.db, tenant.id, (tx) => tx.updateTable('scriptVersions').set({ version: 99 }).execute())).rejects.toThrow(/permission denied/);
    await expect(withTenant(h.db, tenant.id, (tx) => tx.deleteFrom('scriptVersions').execute())).rejects.toThrow(/permission denied/);
    expect(await versionCount()).toBe(2);
  });

  it('lets a client member read but not write', async () => {
    expect((await member.get(`${base}/scripts/order_taking/draft`)).status).toBe(200);
    for (const res of [
      await member.put(`${base}/scripts/order_taking/draft`, orderScript()),
      await member.post(`${base}/scripts/order_taking/publish`),
      await member.post(`${base}/wrap-up-codes`, { code: 'x', label: 'X' }),
      await member.patch(`${base}/wrap-up-codes/order_taken`, { active: false }),
      await member.delete(`${base}/wrap-up-codes/order_taken`),
    ]) {
      expect(res.status).toBe(403);
    }
    expect(await versionCount()).toBe(2);
  });

  it('answers an unknown function as invalid input', async () => {
    const res = await member.get(`${base}/scripts/juggling/draft`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('function');
  });
});

describe('wrap-up codes API', () => {
  it('creates, refuses duplicates, renames, retires and deletes, auditing each write', async () => {
    const created = await admin.post(`${base}/wrap-up-codes`, { code: 'callback', label: 'Call back later' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: 'callback', active: true });
    expect((await admin.post(`${base}/wrap-up-codes`, { code: 'callback', label: 'Again' })).status).toBe(409);
    const bad = await admin.post(`${base}/wrap-up-codes`, { code: 'Call Back', label: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.path).sort()).toEqual(['code', 'label']);
    const renamed = await admin.patch(`${base}/wrap-up-codes/callback`, { label: 'Customer will call back', active: false });
    expect(renamed.body).toMatchObject({ label: 'Customer will call back', active: false });
    expect((await admin.delete(`${base}/wrap-up-codes/callback`)).status).toBe(204);
    expect((await admin.delete(`${base}/wrap-up-codes/callback`)).status).toBe(404);
    expect(await auditActions()).toEqual(expect.arrayContaining(['wrap_up_code.created', 'wrap_up_code.updated', 'wrap_up_code.deleted']));
  });

  it('refuses to delete a code a published script ends with, and publishing then refuses a retired code', async () => {
    const res = await admin.delete(`${base}/wrap-up-codes/order_taken`);
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/retire it instead/);
    await admin.patch(`${base}/wrap-up-codes/order_taken`, { active: false });
    const publish = await admin.post(`${base}/scripts/order_taking/publish`);
    expect(publish.status).toBe(400);
    expect(publish.body.errors).toEqual([
      { path: 'steps[4].disposition', message: "Wrap-up code 'order_taken' is retired; choose an active one.", code: 'retiredDisposition', params: { code: 'order_taken' } },
    ]);
    await admin.patch(`${base}/wrap-up-codes/order_taken`, { active: true });
  });

  it('lets a provider admin write too', async () => {
    const provider = await logIn(h.app, await seedUser(h.db, { kind: 'provider_admin', email: uniqueEmail('prov') }));
    expect((await provider.post(`${base}/wrap-up-codes`, { code: 'wrong_number', label: 'Wrong number' })).status).toBe(201);
    expect((await provider.post(`${base}/scripts/order_taking/publish`)).status).toBe(201);
  });
});

describe('the editor\'s live check and templates', () => {
  const draftOf = async () => (await admin.get(`${base}/scripts/complaints/draft`)).body;

  it('checks a script as publishing would, and saves nothing', async () => {
    const auditBefore = (await auditActions()).length;
    const versionsBefore = await versionCount();
    const res = await admin.post(`${base}/scripts/complaints/validate`, {
      steps: [
        { id: 'greet', type: 'say', text: '{{tenant.greeting}} Hello, {{operator.firstName}} here', next: 'gone' },
        { id: 'done', type: 'end', disposition: 'order_taken' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.problems).toEqual(
      expect.arrayContaining([
        { path: 'steps[0].next', message: "Step 'gone' does not exist.", code: 'unknownStep', params: { id: 'gone' } },
        { path: 'steps', message: expect.stringMatching(/complaint category/), code: 'requiredCapture', params: { field: 'complaint.category' } },
      ]),
    );
    // The wrap-up code the tenant has is accepted; {{operator.firstName}} is a known variable.
    expect(res.body.problems.map((p: any) => p.path)).not.toContain('steps[1].disposition');
    expect(res.body.problems.map((p: any) => p.path)).not.toContain('steps[0].text');
    expect(await draftOf()).toMatchObject({ exists: false, body: { steps: [] } });
    expect((await auditActions()).length).toBe(auditBefore);
    expect(await versionCount()).toBe(versionsBefore);
  });

  it('refuses hostile and oversized scripts with a 400 naming the field, never a 500', async () => {
    const say = (text: string) => ({ id: 'greet', type: 'say', text, next: null });
    const cases: [unknown, string][] = [
      [{ steps: [say('Hello\u0000world')] }, 'steps.0.text'],
      [{ steps: [say('broken \ud800 half')] }, 'steps.0.text'],
      [{ steps: [say('x'.repeat(4001))] }, 'steps.0.text'],
      [{ steps: [{ id: 'away', type: 'transfer', text: 'Transferring you.', to: { kind: 'directory', entry: 'Fraud\u0000desk' } }] }, 'steps.0.to.entry'],
      [{ steps: Array.from({ length: 201 }, (_, i) => ({ ...say(''), id: `s${i}` })) }, 'steps'],
      [{ steps: [{ id: 'q', type: 'ask', text: 'Q', answer: { type: 'choice', choices: [{ value: 'a', label: 'A\u0000' }] } }] }, 'steps.0.answer.choices.0.label'],
      [{ steps: 'many' }, 'steps'],
    ];
    for (const [body, path] of cases) {
      for (const res of [await admin.post(`${base}/scripts/complaints/validate`, body), await admin.put(`${base}/scripts/complaints/draft`, body)]) {
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(res.contentType).toMatch(/application\/problem\+json/);
        expect(res.body.errors.map((e: any) => e.path)).toContain(path);
      }
    }
    const code = await admin.post(`${base}/wrap-up-codes`, { code: 'nul_label', label: 'Bad\u0000label' });
    expect(code.status).toBe(400);
    expect(code.body.errors.map((e: any) => e.path)).toContain('label');
    expect((await admin.post(`${base}/scripts/juggling/validate`, { steps: [] })).body.errors[0].path).toBe('function');
    expect(await draftOf()).toMatchObject({ exists: false });
  });

  it('serves a template per function in the company’s language, marking the wrap-up codes the company lacks', async () => {
    const res = await admin.get(`${base}/scripts/templates`);
    expect(res.status).toBe(200);
    expect(res.body.templates.map((t: any) => t.function)).toEqual(expect.arrayContaining(['order_taking', 'information', 'complaints', 'surveys']));
    const order = res.body.templates.find((t: any) => t.function === 'order_taking');
    // The company is French (fr-FR): its operators read the template aloud in French; codes and flow stay the same.
    expect(order).toMatchObject({ name: 'Prendre une commande' });
    expect(order.body.steps.find((s: any) => s.id === 'name').text).toBe('Puis-je avoir votre nom, s’il vous plaît ?');
    expect(order.wrapUpCodes).toEqual([{ code: 'order_taken', label: 'Commande prise', exists: true, active: true }]);
    const complaints = res.body.templates.find((t: any) => t.function === 'complaints');
    expect(complaints.wrapUpCodes).toEqual([{ code: 'complaint_recorded', label: 'Réclamation enregistrée', exists: false, active: false }]);

    // With its missing code added, the template passes the check and publishes as it is.
    let check = await admin.post(`${base}/scripts/complaints/validate`, complaints.body);
    expect(check.body.problems).toEqual([
      { path: expect.stringMatching(/disposition$/), message: expect.stringMatching(/complaint_recorded/), code: 'unknownDisposition', params: { code: 'complaint_recorded' } },
    ]);
    expect((await admin.post(`${base}/wrap-up-codes`, { code: 'complaint_recorded', label: 'Complaint recorded' })).status).toBe(201);
    check = await admin.post(`${base}/scripts/complaints/validate`, complaints.body);
    expect(check.body.problems).toEqual([]);
    expect((await admin.put(`${base}/scripts/complaints/draft`, complaints.body)).status).toBe(200);
    expect((await admin.post(`${base}/scripts/complaints/publish`)).status).toBe(201);
  });

  it('lets only script editors call them, and answers another tenant with 404', async () => {
    const { tenant: other } = await seedTenant(h.db, { slug: uniqueSlug('other') });
    const outsider = await logIn(h.app, await seedClientUser(h.db, other, 'client_admin'));
    const operator = await logIn(h.app, await seedOperator(h.db, [tenant]));
    const body = { steps: [{ id: 'greet', type: 'say', text: 'Hi', next: null }] };
    for (const client of [member, operator]) {
      expect((await client.get(`${base}/scripts/templates`)).status).toBe(403);
      expect((await client.post(`${base}/scripts/order_taking/validate`, body)).status).toBe(403);
    }
    const missing = `/api/t/${uniqueSlug('nowhere')}`;
    for (const path of ['/scripts/templates', '/scripts/order_taking/validate']) {
      const isPost = path.endsWith('validate');
      const probe = isPost ? await outsider.post(`${base}${path}`, body) : await outsider.get(`${base}${path}`);
      const control = isPost ? await outsider.post(`${missing}${path}`, body) : await outsider.get(`${missing}${path}`);
      expect(probe.status).toBe(404);
      expect(probe.text).toBe(control.text);
    }
    expect((await outsider.get(`/api/t/${other.slug}/scripts/templates`)).status).toBe(200);
  });
});
