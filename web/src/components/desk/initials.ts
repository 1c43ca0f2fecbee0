/** "Pizza Napoli" → "PN", "ТелеНова" → "ТЕ": the first letter of the first two words, else the first two letters. */
export function initialsOf(name: string): string {
  const wordsOf = name.match(/\p{L}[\p{L}\p{N}'’-]*/gu) ?? [];
  const letters = wordsOf.length >= 2 ? wordsOf.slice(0, 2).map((w) => w[0]!) : [...(wordsOf[0] ?? name.trim())].slice(0, 2);
  return letters.join('').toLocaleUpperCase() || '?';
}
