// Tenants as code: the definition format, its loader, apply and export, and the demo tenants.
// tenants/README.md documents the format and the commands.
export {
  TenantFileSchema,
  ProviderFileSchema,
  TenantProfileSchema,
  ClientUserSchema,
  OperatorAssignmentSchema,
  StaffMemberSchema,
  SkillSchema,
  tenantProfileFields,
  type TenantDefinition,
  type TenantDefinitionInput,
  type TenantProfile,
  type ClientUserDefinition,
  type OperatorDefinition,
  type ProviderDefinition,
  type StaffMemberDefinition,
} from './format.ts';
export {
  loadDefinitions,
  loadDefinitionsOrThrow,
  parseDefinitionFile,
  parseTenantYaml,
  parseProviderYaml,
  formatDefinitionError,
  DefinitionErrors,
  type DefinitionError,
  type DefinitionFile,
  type TenantFile,
  type ProviderFile,
  type LoadedDefinitions,
} from './load.ts';
export {
  applyDefinitions,
  applyTenant,
  applyProvider,
  ApplyRefused,
  type ApplyOptions,
  type ApplyReport,
  type TenantResult,
  type ProviderResult,
  type StaffResult,
  type IssuedPassword,
} from './apply.ts';
export { exportTenant, tenantToYaml } from './export.ts';
export { formatApplyReport } from './report.ts';
export { applyDemoIfNew, accountsWithDemoPassword, demoLogins, describeDemoLogins, loadDemo, demoDir, demoPassword, demoAdminEmail } from './demo.ts';
export { demoCampaigns, insertDemoCampaignsDirectly, telenovaSubscribers, pizzaCustomers, type DemoCampaign, type DemoContact } from './campaigns.ts';
