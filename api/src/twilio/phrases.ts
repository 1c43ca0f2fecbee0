import { sayLanguage } from './twiml.ts';

/**
 * What Twilio's text-to-speech says to a caller on its own (not a company's prompt, which the company
 * writes): in the company's language (tenants.locale → sayLanguage), English otherwise.
 */
export interface Phrases {
  position: (n: number) => string;
  pleaseHold: string;
  notInService: string;
  callback: string;
  leaveMessage: string;
  notAChoice: string;
  noDialling: string;
  transferring: string;
}

const phrases: Record<ReturnType<typeof sayLanguage>, Phrases> = {
  'en-GB': {
    position: (n: number) => (n === 1 ? 'You are next in line. Thank you for holding.' : `You are number ${n} in line. Thank you for holding.`),
    pleaseHold: 'Please hold.',
    notInService: 'This number is not in service. Goodbye.',
    callback: 'We are closed at the moment. We have noted your number and will call you back. Goodbye.',
    leaveMessage: 'We are closed at the moment. Please leave a message after the tone.',
    notAChoice: 'Sorry, that is not one of the choices.',
    noDialling: 'Calls cannot be placed from here. Goodbye.',
    transferring: 'Please hold while we transfer your call.',
  },
  'fr-FR': {
    position: (n: number) => (n === 1 ? 'Vous êtes le prochain. Merci de patienter.' : `Vous êtes en position ${n}. Merci de patienter.`),
    pleaseHold: 'Veuillez patienter.',
    notInService: "Ce numéro n'est pas en service. Au revoir.",
    callback: 'Nous sommes fermés pour le moment. Nous avons noté votre numéro et vous rappellerons. Au revoir.',
    leaveMessage: 'Nous sommes fermés pour le moment. Laissez un message après le bip.',
    notAChoice: "Désolé, ce choix n'existe pas.",
    noDialling: "Aucun appel ne peut être passé d'ici. Au revoir.",
    transferring: 'Veuillez patienter, nous transférons votre appel.',
  },
  'de-DE': {
    position: (n: number) => (n === 1 ? 'Sie sind als Nächster an der Reihe. Bitte bleiben Sie dran.' : `Sie sind an Position ${n}. Bitte bleiben Sie dran.`),
    pleaseHold: 'Bitte bleiben Sie dran.',
    notInService: 'Diese Nummer ist nicht vergeben. Auf Wiederhören.',
    callback: 'Wir haben gerade geschlossen. Wir haben Ihre Nummer notiert und rufen Sie zurück. Auf Wiederhören.',
    leaveMessage: 'Wir haben gerade geschlossen. Bitte hinterlassen Sie nach dem Signalton eine Nachricht.',
    notAChoice: 'Diese Auswahl gibt es leider nicht.',
    noDialling: 'Von hier aus können keine Anrufe getätigt werden. Auf Wiederhören.',
    transferring: 'Bitte warten Sie, wir verbinden Sie weiter.',
  },
  'ru-RU': {
    position: (n: number) => (n === 1 ? 'Вы следующий в очереди. Спасибо за ожидание.' : `Ваш номер в очереди: ${n}. Спасибо за ожидание.`),
    pleaseHold: 'Пожалуйста, оставайтесь на линии.',
    notInService: 'Этот номер не обслуживается. До свидания.',
    callback: 'Сейчас мы закрыты. Мы записали ваш номер и перезвоним вам. До свидания.',
    leaveMessage: 'Сейчас мы закрыты. Пожалуйста, оставьте сообщение после сигнала.',
    notAChoice: 'Извините, такого варианта нет.',
    noDialling: 'Отсюда нельзя позвонить. До свидания.',
    transferring: 'Пожалуйста, подождите, мы переводим ваш звонок.',
  },
};

/** The phrases and the <Say> language for a company locale. */
export function phrasesFor(locale: string | null | undefined): { language: ReturnType<typeof sayLanguage>; say: Phrases } {
  const language = sayLanguage(locale);
  return { language, say: phrases[language] };
}
