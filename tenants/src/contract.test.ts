import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type Database } from '@switchboard/db';
import { applyTenant, exportTenant, parseDefinitionFile, parseTenantYaml } from './index.ts';

/** The `contract` section: versions by function and date, checked field by field, applied as service_contracts rows. */
let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const tenantFile = (contract: string) => `tenant:
  slug: fleurs-lyon
  name: Fleurs de Lyon
  legalName: Fleurs de Lyon SARL
  timeZone: Europe/Paris
  locale: fr-FR
  currency: EUR
contract:
${contract}`;

const good = `  - effectiveFrom: "2026-01-01"
    serviceLevel: {percent: 80, seconds: 20}
    maxAbandonPercent: 5
    ahtSeconds: 240
    fcrPercent: 80
    credits: {enabled: true, amounts: {service_level: 50000}}
  - function: complaints
    effectiveFrom: "2026-03-01"
    serviceLevel: {percent: 90, seconds: 15}
    complaintsOnTimePercent: 95
    clientOperatorNames: pseudonym
`;

const errorsOf = (contract: string) => parseDefinitionFile(tenantFile(contract), 'fleurs-lyon.yaml').errors.map((e) => `${e.path}: ${e.message}`);

describe('the contract section', () => {
  it('reads versions with their defaults, company-wide first', () => {
    const parsed = parseTenantYaml(tenantFile(good));
    expect(parsed.contract?.map((v) => [v.function ?? null, v.effectiveFrom])).toEqual([
      [null, '2026-01-01'],
      ['complaints', '2026-03-01'],
    ]);
    expect(parsed.contract?.[0]).toMatchObject({ shortAbandonSeconds: 5, abandonedInDenominator: true, fcrDays: 7, clientOperatorNames: 'first_name' });
  });

  it('names the field of every bad value', () => {
    expect(
      errorsOf(`  - effectiveFrom: "2026-13-01"
    serviceLevel: {percent: 120, seconds: 0}
    maxAbandonPercent: -1
    asaSeconds: 2.5
    fcrDays: 365
    qualityMinScore: 0
    clientOperatorNames: nickname
    credits: {enabled: true, amounts: {asa: -5, conversion: 100}}
    colour: red
  - effectiveFrom: "2026-02-01"
    function: Not A Function
  - effectiveFrom: "2026-02-01"
    function: Not A Function
`),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^contract\[0\]\.effectiveFrom: /),
        expect.stringMatching(/^contract\[0\]\.serviceLevel\.percent: /),
        expect.stringMatching(/^contract\[0\]\.serviceLevel\.seconds: /),
        expect.stringMatching(/^contract\[0\]\.maxAbandonPercent: /),
        expect.stringMatching(/^contract\[0\]\.asaSeconds: /),
        expect.stringMatching(/^contract\[0\]\.fcrDays: /),
        expect.stringMatching(/^contract\[0\]\.qualityMinScore: /),
        expect.stringMatching(/^contract\[0\]\.clientOperatorNames: /),
        expect.stringMatching(/^contract\[0\]\.credits\.amounts\.asa: /),
        expect.stringMatching(/colour/),
        expect.stringMatching(/^contract\[1\]\.function: /),
      ]),
    );
  });

  it('refuses a credit for a target the contract does not set (or one not credited: conversion is unknown), and the same version twice', () => {
    expect(
      errorsOf(`  - effectiveFrom: "2026-01-01"
    serviceLevel: {percent: 80}
    credits: {enabled: true, amounts: {fcr: 100}}
  - effectiveFrom: "2026-01-01"
    asaSeconds: 30
`),
    ).toEqual([
      'contract[0].credits.amounts.fcr: The contract sets no fcr target to credit.',
      'contract[1].effectiveFrom: This version is already listed at contract[0].',
    ]);
  });

  it('applies versions as service_contracts rows, once; a changed target updates its version; export writes it back', async () => {
    const now = new Date('2026-04-01T09:00:00Z');
    const first = await applyTenant(database.db, parseTenantYaml(tenantFile(good)), { now });
    expect(first.errors).toEqual([]);
    expect(first.changes.filter((c) => c.startsWith('contract'))).toEqual(['contract: company-wide from 2026-01-01 added', 'contract: complaints from 2026-03-01 added']);
    const rows = () =>
      database.db.selectFrom('serviceContracts').select(['function', 'effectiveFrom', 'serviceLevelPercent', 'serviceLevelSeconds', 'creditsEnabled', 'credits', 'clientOperatorNames']).orderBy('effectiveFrom').execute();
    expect((await rows()).map((r) => ({ ...r, serviceLevelPercent: Number(r.serviceLevelPercent) }))).toEqual([
      { function: null, effectiveFrom: '2026-01-01', serviceLevelPercent: 80, serviceLevelSeconds: 20, creditsEnabled: true, credits: { service_level: 50000 }, clientOperatorNames: 'first_name' },
      { function: 'complaints', effectiveFrom: '2026-03-01', serviceLevelPercent: 90, serviceLevelSeconds: 15, creditsEnabled: false, credits: {}, clientOperatorNames: 'pseudonym' },
    ]);

    const again = await applyTenant(database.db, parseTenantYaml(tenantFile(good)), { now });
    expect(again.changes.filter((c) => c.startsWith('contract'))).toEqual([]);

    const changed = await applyTenant(database.db, parseTenantYaml(tenantFile(good.replace('percent: 80, seconds: 20', 'percent: 85, seconds: 20'))), { now });
    expect(changed.changes.filter((c) => c.startsWith('contract'))).toEqual(['contract: company-wide from 2026-01-01 changed']);
    expect(Number((await rows())[0]!.serviceLevelPercent)).toBe(85);

    const exported = await exportTenant(database.db, 'fleurs-lyon');
    expect(exported?.contract).toEqual(parseTenantYaml(tenantFile(good.replace('percent: 80, seconds: 20', 'percent: 85, seconds: 20'))).contract);
  });
});

const formsFile = (forms: string) => tenantFile(good).replace('contract:\n', `qualityForms:\n${forms}contract:\n`);
const form = `  - name: Appels
    functions: [order_taking]
    definition:
      sections:
        - id: accueil
          title: Accueil
          questions:
            - {id: greeting, text: Accueil, kind: yes_no, weight: 10, naAllowed: false, critical: false}
            - {id: tone, text: Ton, kind: scale, scaleMax: 5, weight: 10, naAllowed: false, critical: true}
`;

describe('the qualityForms section', () => {
  it('names the field of every bad value, with the form schema of api/src/quality/form.ts', () => {
    const errors = parseDefinitionFile(
      formsFile(`  - name: ""
    functions: [Bad Function]
    definition:
      sections:
        - id: Accueil
          title: Accueil
          questions:
            - {id: greeting, text: Accueil, kind: stars, weight: 0, naAllowed: false, critical: false}
            - {id: greeting, text: Ton, kind: scale, weight: 10, naAllowed: false, critical: false}
`),
      'fleurs-lyon.yaml',
    ).errors.map((e) => e.path);
    expect(errors).toEqual(
      expect.arrayContaining([
        'qualityForms[0].name',
        'qualityForms[0].functions[0]',
        'qualityForms[0].definition.sections[0].id',
        'qualityForms[0].definition.sections[0].questions[0].kind',
        'qualityForms[0].definition.sections[0].questions[0].weight',
        'qualityForms[0].definition.sections[0].questions[1].scaleMax',
      ]),
    );
  });

  it('publishes a form as version 1, once; a changed definition is published as version 2', async () => {
    const now = new Date('2026-04-01T09:00:00Z');
    const first = await applyTenant(database.db, parseTenantYaml(formsFile(form)), { now });
    expect(first.errors).toEqual([]);
    expect(first.changes.filter((c) => c.startsWith('qualityForms'))).toEqual(['qualityForms: Appels added']);
    const again = await applyTenant(database.db, parseTenantYaml(formsFile(form)), { now });
    expect(again.changes.filter((c) => c.startsWith('qualityForms'))).toEqual([]);
    const changed = await applyTenant(database.db, parseTenantYaml(formsFile(form.replace('weight: 10, naAllowed: false, critical: true', 'weight: 20, naAllowed: false, critical: true'))), { now });
    expect(changed.changes.filter((c) => c.startsWith('qualityForms'))).toEqual(['qualityForms: Appels version 2 published']);
    const versions = await database.db.selectFrom('qualityFormVersions').select(['version', 'status']).orderBy('version').execute();
    expect(versions).toEqual([
      { version: 1, status: 'published' },
      { version: 2, status: 'published' },
    ]);
    const exported = await exportTenant(database.db, 'fleurs-lyon');
    expect(exported?.qualityForms?.map((f) => [f.name, f.functions, f.definition.sections[0]!.questions[1]!.weight])).toEqual([['Appels', ['order_taking'], 20]]);
  });
});
