export * from './schema.ts';
export * from './connect.ts';
export * from './context.ts';
export * from './ids.ts';
export * from './json.ts';
export * from './migrate.ts';
export * from './data-dir-lock.ts';
export * as crossTenant from './cross-tenant.ts';
export * from './testing.ts';
