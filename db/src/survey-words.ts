/**
 * How a free-text survey answer is cut into the words its word list counts (issue 14). The database
 * does the cutting, both when the counts are kept (migration 0028's triggers) and when a word is drilled
 * down to its calls (api/src/surveys/service.ts), so both read these constants. Changing them changes
 * what existing counts mean: a migration must then recompute them (`app.recompute_survey_counts`).
 */

/** Where a free text is cut: blanks, punctuation, digits (a number is not a word: it may be a phone or an account). */
export const WORD_SPLIT = String.raw`[\s[:punct:][:digit:]’‘«»“”„–—…•·]+`;
/** A word counts from two characters (one-letter pieces say nothing) up to this many (longer is not a word, and would not fit an index). */
export const MAX_WORD_LENGTH = 60;
