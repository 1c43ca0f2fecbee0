export { createApp, type AppType, type AppOptions } from './app.ts';
export { loadConfig, type Config } from './config.ts';
export type { Deps, SessionUser, Actor } from './http/env.ts';
export { createTenant, updateTenant, type CreateTenantInput } from './tenants/service.ts';
export { inviteMemberIn, type Invitation } from './members/service.ts';
export { hashPassword, verifyPassword } from './auth/passwords.ts';
export { writeAudit, writePlatformAudit } from './audit/write.ts';
export { ProblemError } from './http/problem.ts';
