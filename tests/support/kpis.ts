import type { Kysely } from 'kysely';
import { jsonb, newId, withApp, withTenant, type DB, type Tenant } from '@switchboard/db';

/**
 * Issue 16's tenant tables, one row each, for the isolation sweeps: a contract, an interval of each kind,
 * a proposed credit, a published quality form, a calibration, an evaluation, a sample and the settings.
 * Needs a call in the tenant (seedCallRecords) and any user to stand as operator and evaluator.
 */
export async function seedKpiRecords(db: Kysely<DB>, tenant: Tenant): Promise<void> {
  const user = await withApp(db, (tx) => tx.selectFrom('users').select('id').orderBy('createdAt').executeTakeFirstOrThrow());
  await withTenant(db, tenant.id, async (tx) => {
    const call = await tx.selectFrom('calls').select(['id', 'function']).orderBy('offeredAt').executeTakeFirstOrThrow();
    const now = new Date();
    const contractId = newId();
    await tx
      .insertInto('serviceContracts')
      .values({ tenantId: tenant.id, id: contractId, function: null, effectiveFrom: '2026-01-01', serviceLevelPercent: 80, credits: jsonb({ service_level: 5000 }), createdAt: now, updatedAt: now, updatedBy: 'seed' })
      .execute();
    const quarter = new Date(Math.floor(now.getTime() / 900_000) * 900_000);
    await tx.insertInto('queueIntervals').values({ tenantId: tenant.id, function: call.function, intervalStart: quarter, offered: 1 }).execute();
    await tx.insertInto('operatorIntervals').values({ tenantId: tenant.id, operatorId: user.id, function: call.function, intervalStart: quarter, handled: 1 }).execute();
    await tx
      .insertInto('serviceCredits')
      .values({ tenantId: tenant.id, id: newId(), period: '2026-01-01', kpi: 'service_level', function: null, contractId, target: 80, actual: 70, amountMinor: 5000, currency: 'EUR', createdAt: now })
      .execute();
    const formId = newId();
    await tx.insertInto('qualityForms').values({ tenantId: tenant.id, id: formId, name: 'Seed form', createdAt: now, updatedAt: now, updatedBy: 'seed' }).execute();
    const definition = { sections: [{ id: 's1', title: 'Greeting', questions: [{ id: 'q1', text: 'Greets the caller', kind: 'yes_no', weight: 1, naAllowed: false, critical: false }] }] };
    await tx
      .insertInto('qualityFormVersions')
      .values({ tenantId: tenant.id, formId, version: 1, definition: jsonb(definition), status: 'published', publishedAt: now, publishedBy: 'seed', createdAt: now, createdBy: 'seed' })
      .execute();
    const calibrationId = newId();
    await tx
      .insertInto('qualityCalibrations')
      .values({ tenantId: tenant.id, id: calibrationId, callId: call.id, formId, formVersion: 1, evaluatorIds: [user.id], createdAt: now, createdBy: 'seed' })
      .execute();
    const evaluationId = newId();
    await tx
      .insertInto('qualityEvaluations')
      .values({
        tenantId: tenant.id,
        id: evaluationId,
        callId: call.id,
        operatorId: user.id,
        evaluatorId: user.id,
        evaluatorLabel: 'Seed evaluator',
        formId,
        formVersion: 1,
        calibrationId,
        answers: jsonb({ q1: { answer: 'yes' } }),
        status: 'submitted',
        score: 100,
        submittedAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    await tx
      .insertInto('qualitySamples')
      .values({ tenantId: tenant.id, id: newId(), callId: call.id, operatorId: user.id, week: '2026-11-30', reason: 'random', status: 'evaluated', evaluationId, createdAt: now })
      .execute();
    // The settings route may have written the row already (the sweeps' documented writes).
    await tx.insertInto('qualitySettings').values({ tenantId: tenant.id, updatedAt: now, updatedBy: 'seed' }).onConflict((oc) => oc.column('tenantId').doNothing()).execute();
  });
}
