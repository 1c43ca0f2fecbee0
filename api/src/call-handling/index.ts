export {
  CallSettingsSchema,
  ComplaintDueDaysSchema,
  PhoneNumberEntrySchema,
  byNumber,
  defaultCallSettings,
  normalizeCallSettings,
  toE164,
  type CallSettings,
  type CallSettingsInput,
  type PhoneNumberEntry,
} from './definition.ts';
export { hasSavedCallSettings, listPhoneNumbers, loadCallSettings, putPhoneNumber, replaceCallSettings, replacePhoneNumbers } from './service.ts';
