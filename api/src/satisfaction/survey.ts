import { callFunctions, languageOf, type Language } from '@switchboard/db';
import type { CallSettings } from '../call-handling/definition.ts';

/**
 * The post-call satisfaction survey (CSAT, issue 14): when a tenant turns it on for a function, the
 * telephony adapter asks the caller of a handled call, by keypad, how satisfied they were (1–5) and,
 * if the tenant wants it, whether their problem was solved (1 yes, 2 no). Switchboard decides which
 * calls are surveyed and what the adapter says; the adapter plays it and posts the digits back.
 */

/** How long after a handled call ends the adapter may still ask, and report: a later report changes nothing. */
export const SURVEY_WINDOW_SECONDS = 600;

export const satisfactionQuestionIds = ['satisfaction', 'solved'] as const;
export type SatisfactionQuestionId = (typeof satisfactionQuestionIds)[number];

export interface SurveyQuestion {
  id: SatisfactionQuestionId;
  prompt: string;
  /** The keys the caller may press, each a one-digit string. */
  digits: string[];
}

export interface Survey {
  questions: SurveyQuestion[];
  /** Report the digits before this instant; after it the survey is closed. */
  answerBy: string;
}

/** What the adapter plays, in the tenant's language (its locale; English when the product does not speak it). */
const prompts: Record<Language, Record<SatisfactionQuestionId, string>> = {
  en: {
    satisfaction: 'How satisfied are you with this call? Press 1 for very dissatisfied, up to 5 for very satisfied.',
    solved: 'Was your problem solved? Press 1 for yes, 2 for no.',
  },
  fr: {
    satisfaction: 'Êtes-vous satisfait de cet appel ? Tapez 1 pour pas du tout satisfait, jusqu’à 5 pour très satisfait.',
    solved: 'Votre demande a-t-elle été traitée ? Tapez 1 pour oui, 2 pour non.',
  },
  de: {
    satisfaction: 'Wie zufrieden sind Sie mit diesem Anruf? Drücken Sie 1 für sehr unzufrieden bis 5 für sehr zufrieden.',
    solved: 'Wurde Ihr Anliegen gelöst? Drücken Sie 1 für ja, 2 für nein.',
  },
  ru: {
    satisfaction: 'Насколько вы довольны этим звонком? Нажмите от 1 — совсем не доволен — до 5 — очень доволен.',
    solved: 'Решён ли ваш вопрос? Нажмите 1 — да, 2 — нет.',
  },
};

export function surveyPrompts(locale: string | null | undefined): Record<SatisfactionQuestionId, string> {
  return prompts[languageOf(locale) ?? 'en'];
}

/** The call as far as the survey needs it. */
export interface SurveyedCall {
  function: string;
  status: string;
  answeredAt: Date | null;
  endedAt: Date | null;
  endedBy: 'caller' | 'operator' | 'system' | null;
  closedReason: string | null;
}

/** Whether a function's calls are inbound: only their callers can be surveyed (an outbound call has no caller to ask). */
export function isInboundFunction(id: string): boolean {
  return callFunctions.some((f) => f.id === id && f.direction === 'inbound');
}

/**
 * Whether a call, as the operator hangs up, is one the tenant surveys: handled (an operator answered it),
 * ended by the operator (at the desk or through the adapter: the adapter then bridges the caller to the
 * survey; a caller who hung up cannot hear it), not closed by the system, of an inbound function with the
 * survey on. Null when it is not; else whether "problem solved" is asked too. Decided once, at hang-up
 * (`calls.survey_asked_solved`); reports are judged against that, not against later settings.
 */
export function surveyedAs(call: SurveyedCall, settings: Pick<CallSettings, 'satisfactionSurvey'>): { askSolved: boolean } | null {
  if (call.status !== 'wrap_up' && call.status !== 'completed') return null;
  if (!call.answeredAt || !call.endedAt || call.closedReason) return null;
  if (call.endedBy !== 'operator') return null;
  if (!isInboundFunction(call.function)) return null;
  const entry = settings.satisfactionSurvey[call.function as keyof CallSettings['satisfactionSurvey']];
  return entry ? { askSolved: entry.askSolved } : null;
}

export function surveyClosesAt(call: Pick<SurveyedCall, 'endedAt'>): Date {
  return new Date(call.endedAt!.getTime() + SURVEY_WINDOW_SECONDS * 1000);
}

export function surveyFor(call: SurveyedCall, askSolved: boolean, locale: string): Survey {
  const text = surveyPrompts(locale);
  return {
    questions: [
      { id: 'satisfaction', prompt: text.satisfaction, digits: ['1', '2', '3', '4', '5'] },
      ...(askSolved ? [{ id: 'solved' as const, prompt: text.solved, digits: ['1', '2'] }] : []),
    ],
    answerBy: surveyClosesAt(call).toISOString(),
  };
}

