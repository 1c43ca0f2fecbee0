export { judgeDial, nextLawfulInstant, countedAttempts, type DialFacts, type Judgement } from './judge.ts';
export { rulesProfiles, rulesProfileIds, rulesProfile, isRulesProfileId, ruleIds, type RuleId, type RulesProfile, type RulesProfileId } from './profiles.ts';
export { frenchHolidays, easterSunday, type Holiday, type HolidayCalendar } from './holidays.ts';
export { locateCallee, postcodeTerritory, numberTerritory, isTimeZone, type CalleeFacts, type CalleePlace } from './callee.ts';
export { automatedCallingRange, automatedCallingRanges, isAutomatedCallingNumber, callerIdWarning } from './callerId.ts';
export { localTimeLabel, windowLabel, type WeekWindow, type TimeSlot } from './window.ts';
