import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * The tenant's catalog and knowledge: items (products and services), tariffs, promotions and
 * articles (FAQ and procedures), each with a full-text search document.
 *
 * Each row stores the text-search configuration it was written under (`search_config`, set from the
 * tenant's locale on every write), and its `search_document` is generated from it: a generated
 * column cannot name a per-tenant configuration as a constant, but to_tsvector(regconfig, text) and
 * jsonb_to_tsvector(regconfig, …) are immutable, so they may read it from the row itself. Weights:
 * A the name or title, B what an operator scans next (category, conditions, tags), C the rest.
 */
const searchColumns = (a: string, b: string, c: string) => `
  search_config regconfig not null,
  search_document tsvector generated always as (
    setweight(to_tsvector(search_config, ${a}), 'A') ||
    setweight(${b}, 'B') ||
    setweight(${c}, 'C')
  ) stored`;

export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create table catalog_items (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       kind text not null check (kind in ('product', 'service')),
       sku text not null check (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
       name text not null check (length(name) between 1 and 200),
       description text not null default '' check (length(description) <= 4000),
       category text not null default '' check (length(category) <= 80),
       price_minor integer not null check (price_minor >= 0),
       currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
       available boolean not null default true,
       options jsonb not null default '[]' check (jsonb_typeof(options) = 'array'),
       ${searchColumns(
         'name',
         `to_tsvector(search_config, category)`,
         `to_tsvector(search_config, description) || jsonb_to_tsvector(search_config, options, '["string"]')`,
       )},
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (tenant_id, id),
       unique (tenant_id, sku)
     )`,
    ...tenantTableStatements('catalog_items', ['select', 'insert', 'update', 'delete']),

    `create table tariffs (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       name text not null check (length(name) between 1 and 200),
       description text not null default '' check (length(description) <= 4000),
       currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
       price_lines jsonb not null default '[]' check (jsonb_typeof(price_lines) = 'array'),
       ${searchColumns('name', `jsonb_to_tsvector(search_config, price_lines, '["string"]')`, `to_tsvector(search_config, description)`)},
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (tenant_id, id),
       unique (tenant_id, name)
     )`,
    ...tenantTableStatements('tariffs', ['select', 'insert', 'update', 'delete']),

    // Dates, not instants: a promotion runs from the first to the last day, both included, in the tenant's zone.
    `create table promotions (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       title text not null check (length(title) between 1 and 200),
       description text not null default '' check (length(description) <= 4000),
       conditions text not null default '' check (length(conditions) <= 4000),
       valid_from date not null,
       valid_until date,
       item_skus text[] not null default '{}',
       ${searchColumns('title', `to_tsvector(search_config, conditions)`, `to_tsvector(search_config, description)`)},
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (tenant_id, id),
       unique (tenant_id, title),
       check (valid_until is null or valid_until >= valid_from)
     )`,
    `create index promotions_validity_idx on promotions (tenant_id, valid_from, valid_until)`,
    ...tenantTableStatements('promotions', ['select', 'insert', 'update', 'delete']),

    `create table knowledge_articles (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       kind text not null check (kind in ('faq', 'procedure')),
       title text not null check (length(title) between 1 and 200),
       body text not null default '' check (length(body) <= 20000),
       tags jsonb not null default '[]' check (jsonb_typeof(tags) = 'array'),
       ${searchColumns('title', `jsonb_to_tsvector(search_config, tags, '["string"]')`, `to_tsvector(search_config, body)`)},
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (tenant_id, id),
       unique (tenant_id, title)
     )`,
    ...tenantTableStatements('knowledge_articles', ['select', 'insert', 'update', 'delete']),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `drop table knowledge_articles`,
    `drop table promotions`,
    `drop table tariffs`,
    `drop table catalog_items`,
  ]);
}
