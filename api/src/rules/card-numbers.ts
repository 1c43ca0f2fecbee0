/**
 * Payment card numbers in free text: the detector lives in the db package (@switchboard/db/card-numbers)
 * because a migration (0017) redacts what was stored before it was this thorough; see there for what it
 * reads through (NFKC, any separator, glued letters) and what it leaves alone (IBANs, phone numbers).
 */
export { findCardNumbers, luhnValid, redactCardNumbers, redactCardNumbersDeep, type CardNumberMatch } from '@switchboard/db/card-numbers';
