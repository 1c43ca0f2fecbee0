import type { Language } from '@switchboard/db/languages';

/**
 * The words a survey's word list leaves out, per language (the tenant's locale): articles, pronouns,
 * auxiliaries and the like, which would top every list and say nothing. Lower case, as the list counts.
 */
const words: Record<Language, string> = {
  en: `a about after all also am an and any are as at be because been but by can could did do does for from had has have he her
    him his how i if in into is it its just me more most my no not of on or our out so some than that the their them then there
    these they this those to too up us very was we were what when which who why will with would you your yes it's i'm don't`,
  fr: `à au aux avec ce ces c'est cet cette dans de des du elle elles en est et être eu il ils je j'ai la le les leur leurs lui ma
    mais me même mes moi mon ne nos notre nous on ou où par pas pour qu que qui sa se ses si son sur ta te tes toi ton tu un une
    vos votre vous y été était très plus bien aussi ça oui non l d j n s t qu c`,
  de: `aber alle als also am an auch auf aus bei bin bis da das dass dem den der des die doch du ein eine einem einen einer es
    für hat hatte ich ihr im in ist ja kein man mich mir mit nach nicht noch nur oder sehr sich sie sind so über um und uns von
    war waren was wie wir wird zu zum zur sehr gut nein`,
  ru: `а без бы был была были было в вам вас весь во вот все всё вы да для до его ее её если есть еще ещё же за и из или им их
    к как когда кто ли мне мы на над не нет ни но ну о об он она они оно от по под при с так там то тоже только у уже хотя что
    чтобы это эта этот я очень`,
};

export const stopWords: Record<Language, readonly string[]> = Object.fromEntries(
  Object.entries(words).map(([language, list]) => [language, list.split(/\s+/).filter(Boolean)]),
) as unknown as Record<Language, readonly string[]>;
