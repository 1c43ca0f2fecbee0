export * from './harness.ts';
export * from './http.ts';
export * from './users.ts';
export * from './tenants.ts';
export * from './openapi.ts';
export * from './catalog.ts';
export * from './fill.ts';
export * from './sse.ts';
