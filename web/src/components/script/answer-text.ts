import { answerText, type AnswerValue } from '@switchboard/api/scripts';
import { currentLanguage, tIn } from '../../i18n/index.ts';

/** An answer as a person reads it, yes/no in `language` (the interface's when none): "Ja", "Oui", "—". */
export function answerIn(language: string | null | undefined, value: AnswerValue | undefined): string {
  const lang = language ?? currentLanguage();
  if (value === true) return tIn(lang, 'scriptRun.yes');
  if (value === false) return tIn(lang, 'scriptRun.no');
  return answerText(value);
}
