export {
  CallSettingsSchema,
  ComplaintDueDaysSchema,
  PhoneNumberEntrySchema,
  byNumber,
  defaultCallSettings,
  defaultOverflow,
  QueueOverflowSchema,
  SatisfactionSurveySchema,
  type SatisfactionSurvey,
  type QueueOverflow,
  normalizeCallSettings,
  toE164,
  type CallSettings,
  type CallSettingsInput,
  type PhoneNumberEntry,
} from './definition.ts';
export { hasSavedCallSettings, listPhoneNumbers, loadCallSettings, putPhoneNumber, replaceCallSettings, replacePhoneNumbers } from './service.ts';
