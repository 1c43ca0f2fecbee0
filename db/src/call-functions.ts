/**
 * The call-center functions a client company can delegate (DESIGN.md), in the words operators and
 * clients use. Operator skills, hours per function, scripts and delegations all name these ids.
 * This module holds constants only, so the web app can import it too.
 */
export const callFunctions = [
  { id: 'information', direction: 'inbound', label: 'Information & advice', description: 'Services, tariffs, procedures, promotions' },
  { id: 'order_taking', direction: 'inbound', label: 'Order taking', description: 'Take orders from the catalog' },
  { id: 'complaints', direction: 'inbound', label: 'Complaints & claims', description: 'Record and follow complaints and claims' },
  { id: 'data_entry', direction: 'inbound', label: 'Data entry', description: "Enter data into the client's customer base" },
  { id: 'outbound_info', direction: 'outbound', label: 'Informative calls', description: 'Announce new services and promotions' },
  { id: 'surveys', direction: 'outbound', label: 'Surveys', description: 'Surveys and questionnaires' },
  { id: 'telesales', direction: 'outbound', label: 'Telesales', description: 'Sell by phone' },
  { id: 'lead_qualification', direction: 'outbound', label: 'Lead qualification', description: 'Build and qualify contact databases' },
] as const;

export type CallFunctionId = (typeof callFunctions)[number]['id'];
export const callFunctionIds = callFunctions.map((f) => f.id) as [CallFunctionId, ...CallFunctionId[]];

export function isCallFunctionId(value: string): value is CallFunctionId {
  return (callFunctionIds as string[]).includes(value);
}
