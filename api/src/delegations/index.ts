export * from './prices.ts';
export * from './service.ts';
