import type { CallFunctionId } from '@switchboard/db/call-functions';
import type { Language } from '@switchboard/db/languages';

/**
 * The templates' words in the languages a client's operators speak on its calls (the tenant's
 * locale): what the operator reads aloud, the choices, the wrap-up codes' labels, the template's
 * name and description. The flow (step names, links, captures, codes) stays in templates.ts; a word
 * missing here stays English. Russian is not written yet: Russian-speaking clients get English.
 */
export interface TemplateWords {
  name: string;
  description: string;
  /** Wrap-up code → label. */
  codes: Record<string, string>;
  /** Step name → what the operator says or asks. */
  text: Record<string, string>;
  /** Step name → choice value → label. */
  choices?: Record<string, Record<string, string>>;
}

const frGreeting = '{{tenant.greeting}} Je m’appelle {{operator.firstName}}.';
const frIntro = 'Bonjour {{customer.name}}, {{operator.firstName}} à l’appareil, je vous appelle de la part de {{tenant.name}}.';
const deGreeting = '{{tenant.greeting}} Mein Name ist {{operator.firstName}}.';
const deIntro = 'Guten Tag {{customer.name}}, hier spricht {{operator.firstName}} im Auftrag von {{tenant.name}}.';

const fr: Record<CallFunctionId, TemplateWords> = {
  order_taking: {
    name: 'Prendre une commande',
    description: 'Accueillir, prendre le nom de l’appelant, livraison ou retrait, les articles et l’adresse, relire la commande, conclure.',
    codes: { order_taken: 'Commande prise' },
    text: {
      greet: frGreeting,
      name: 'Puis-je avoir votre nom, s’il vous plaît ?',
      mode: 'Est-ce pour une livraison ou viendrez-vous la chercher ?',
      items: 'Que souhaitez-vous commander ?',
      address: 'Quelle est l’adresse de livraison ?',
      confirm: 'Donc : {{answers.items}}. Est-ce bien cela ?',
      close: 'Merci {{answers.name}}, votre commande est en route. Au revoir !',
    },
    choices: { mode: { delivery: 'Livraison', pickup: 'Retrait sur place' } },
  },
  information: {
    name: 'Répondre à une question',
    description: 'Accueillir, noter le sujet et la question, répondre à partir de la base de connaissances, vérifier que l’appelant a ce qu’il lui faut.',
    codes: { info_given: 'Information donnée', info_follow_up: 'Suivi nécessaire' },
    text: {
      greet: frGreeting,
      topic: 'Quel est l’objet de votre question ?',
      question: 'Notez la question de l’appelant, puis répondez à partir de la base de connaissances. Aujourd’hui, nous sommes ouverts {{hours.today}}.',
      answered: 'Cela répond-il à votre question ?',
      follow_up: 'J’ai noté votre question ; quelqu’un de {{tenant.name}} reviendra vers vous.',
      close: 'Merci d’avoir appelé {{tenant.name}}. Au revoir !',
    },
    choices: { topic: { services: 'Nos services', tariffs: 'Prix et tarifs', procedures: 'Une démarche', promotions: 'Une promotion', other: 'Autre chose' } },
  },
  complaints: {
    name: 'Enregistrer une réclamation',
    description: 'Accueillir, identifier l’appelant et la commande ou le contrat, la catégorie, ce qui s’est passé, sa gravité et la solution souhaitée.',
    codes: { complaint_recorded: 'Réclamation enregistrée' },
    text: {
      greet: frGreeting,
      name: 'Puis-je avoir votre nom, s’il vous plaît ?',
      reference: 'Quel est votre numéro de commande ou de contrat, si vous l’avez ?',
      category: 'Sur quoi porte votre réclamation ?',
      description: 'Racontez-moi ce qui s’est passé, s’il vous plaît.',
      severity: 'Quelle est la gravité pour l’appelant ?',
      resolution: 'Qu’attendez-vous de nous ?',
      close: 'Merci {{answers.name}}, votre réclamation est enregistrée et {{tenant.name}} reviendra vers vous.',
    },
    choices: {
      category: { product: 'Un produit', delivery: 'Une livraison', billing: 'Une facture', service: 'Le service', other: 'Autre chose' },
      severity: { low: 'Faible', medium: 'Moyenne', high: 'Élevée', critical: 'Critique' },
    },
  },
  data_entry: {
    name: 'Mettre à jour une fiche client',
    description: 'Accueillir, puis prendre ou corriger le nom, l’e-mail, l’adresse et l’accord pour les offres de l’appelant, et les relire.',
    codes: { record_updated: 'Fiche mise à jour' },
    text: {
      greet: frGreeting,
      name: 'Puis-je avoir vos nom et prénom, s’il vous plaît ?',
      email: 'Quelle est votre adresse e-mail ?',
      address: 'Et votre adresse postale ?',
      consent: '{{tenant.name}} peut-elle vous envoyer ses offres ?',
      close: 'Merci {{answers.name}}, vos coordonnées sont à jour.',
    },
  },
  outbound_info: {
    name: 'Annoncer une offre',
    description: 'Se présenter, demander une minute, annoncer la promotion en cours, noter l’intérêt.',
    codes: { informed: 'Client informé', callback_requested: 'Rappeler plus tard' },
    text: {
      intro: frIntro,
      time: 'Avez-vous une minute ?',
      announce: 'Nous aimerions vous parler de : {{promotions.active}}.',
      interest: 'Souhaitez-vous en savoir plus ?',
      close: 'Merci pour votre temps. Au revoir !',
      later: 'Pas de problème, nous vous rappellerons une autre fois. Au revoir !',
    },
  },
  surveys: {
    name: 'Mener une enquête de satisfaction',
    description: 'Se présenter, demander l’accord, une note de 1 à 10, s’il nous recommanderait, et ses commentaires.',
    codes: { survey_completed: 'Enquête terminée', survey_refused: 'Enquête refusée' },
    text: {
      intro: frIntro,
      consent: 'Accepteriez-vous de répondre à trois courtes questions sur {{tenant.name}} ?',
      score: 'De 1 à 10, quelle est votre satisfaction envers {{tenant.name}} ?',
      recommend: 'Nous recommanderiez-vous à un proche ?',
      comments: 'Souhaitez-vous nous dire autre chose ?',
      close: 'Merci pour vos réponses. Au revoir !',
      refused: 'Pas de problème, merci pour votre temps. Au revoir !',
    },
  },
  telesales: {
    name: 'Proposer une offre',
    description: 'Se présenter, présenter la promotion, et enregistrer une vente, un rappel ou un refus.',
    codes: { sale_made: 'Vente conclue', callback_requested: 'Rappeler plus tard', not_interested: 'Pas intéressé' },
    text: {
      intro: `${frIntro} Nous avons une offre pour vous : {{promotions.active}}.`,
      interest: 'Cela vous intéresse-t-il ?',
      details: 'Notez ce que le client prend.',
      sold: 'Merci, votre commande est enregistrée. Au revoir !',
      when: 'Quand pouvons-nous vous rappeler ?',
      later: 'Nous vous rappellerons à ce moment-là. Au revoir !',
      declined: 'Je comprends. Merci pour votre temps. Au revoir !',
    },
    choices: { interest: { yes: 'Oui', later: 'Rappelez-moi plus tard', no: 'Non' } },
  },
  lead_qualification: {
    name: 'Qualifier un contact',
    description: 'Se présenter, confirmer l’interlocuteur, son intérêt, quand le rappeler et des remarques.',
    codes: { lead_qualified: 'Contact qualifié', not_interested: 'Pas intéressé' },
    text: {
      intro: frIntro,
      name: 'À qui ai-je l’honneur ?',
      interest: 'Quel est son intérêt pour les services de {{tenant.name}} ?',
      callback: 'Quel est le bon moment pour le rappeler ?',
      notes: 'Remarques pour l’équipe commerciale',
      close: 'Merci {{answers.name}}, nous reviendrons vers vous. Au revoir !',
      declined: 'Je comprends. Merci pour votre temps. Au revoir !',
    },
    choices: { interest: { high: 'Très', medium: 'Assez', low: 'Un peu', none: 'Pas du tout' } },
  },
};

const de: Record<CallFunctionId, TemplateWords> = {
  order_taking: {
    name: 'Bestellung aufnehmen',
    description: 'Begrüßen, Namen des Anrufers, Lieferung oder Abholung, Artikel und Adresse aufnehmen, die Bestellung vorlesen, abschließen.',
    codes: { order_taken: 'Bestellung aufgenommen' },
    text: {
      greet: deGreeting,
      name: 'Darf ich bitte Ihren Namen haben?',
      mode: 'Soll geliefert werden, oder holen Sie die Bestellung ab?',
      items: 'Was möchten Sie bestellen?',
      address: 'Wie lautet die Lieferadresse?',
      confirm: 'Also: {{answers.items}}. Ist das richtig?',
      close: 'Vielen Dank, {{answers.name}}, Ihre Bestellung ist unterwegs. Auf Wiederhören!',
    },
    choices: { mode: { delivery: 'Lieferung', pickup: 'Abholung' } },
  },
  information: {
    name: 'Eine Frage beantworten',
    description: 'Begrüßen, Thema und Frage notieren, aus der Wissensdatenbank antworten, prüfen, ob der Anrufer alles hat, was er braucht.',
    codes: { info_given: 'Auskunft erteilt', info_follow_up: 'Rückmeldung nötig' },
    text: {
      greet: deGreeting,
      topic: 'Worum geht es bei Ihrer Frage?',
      question: 'Notieren Sie die Frage des Anrufers und beantworten Sie sie aus der Wissensdatenbank. Heute haben wir {{hours.today}} geöffnet.',
      answered: 'Ist Ihre Frage damit beantwortet?',
      follow_up: 'Ich habe Ihre Frage notiert; jemand von {{tenant.name}} meldet sich bei Ihnen.',
      close: 'Vielen Dank für Ihren Anruf bei {{tenant.name}}. Auf Wiederhören!',
    },
    choices: { topic: { services: 'Unsere Leistungen', tariffs: 'Preise und Tarife', procedures: 'Ein Verfahren', promotions: 'Eine Aktion', other: 'Etwas anderes' } },
  },
  complaints: {
    name: 'Eine Reklamation aufnehmen',
    description: 'Begrüßen, Anrufer und Bestellung oder Vertrag erfassen, Kategorie, Hergang, Schweregrad und gewünschte Lösung.',
    codes: { complaint_recorded: 'Reklamation aufgenommen' },
    text: {
      greet: deGreeting,
      name: 'Darf ich bitte Ihren Namen haben?',
      reference: 'Wie lautet Ihre Bestell- oder Vertragsnummer, falls Sie sie zur Hand haben?',
      category: 'Worauf bezieht sich Ihre Reklamation?',
      description: 'Bitte schildern Sie mir, was passiert ist.',
      severity: 'Wie schwerwiegend ist es für den Anrufer?',
      resolution: 'Was sollen wir Ihrer Meinung nach tun?',
      close: 'Vielen Dank, {{answers.name}}, Ihre Reklamation ist aufgenommen und {{tenant.name}} meldet sich bei Ihnen.',
    },
    choices: {
      category: { product: 'Ein Produkt', delivery: 'Eine Lieferung', billing: 'Eine Rechnung', service: 'Den Service', other: 'Etwas anderes' },
      severity: { low: 'Gering', medium: 'Mittel', high: 'Hoch', critical: 'Kritisch' },
    },
  },
  data_entry: {
    name: 'Kundendaten aktualisieren',
    description: 'Begrüßen, dann Namen, E-Mail, Adresse und Einwilligung in Angebote aufnehmen oder korrigieren und vorlesen.',
    codes: { record_updated: 'Daten aktualisiert' },
    text: {
      greet: deGreeting,
      name: 'Darf ich bitte Ihren vollständigen Namen haben?',
      email: 'Wie lautet Ihre E-Mail-Adresse?',
      address: 'Und Ihre Postanschrift?',
      consent: 'Darf {{tenant.name}} Ihnen Angebote zusenden?',
      close: 'Vielen Dank, {{answers.name}}, Ihre Daten sind auf dem neuesten Stand.',
    },
  },
  outbound_info: {
    name: 'Ein Angebot ankündigen',
    description: 'Sich vorstellen, um eine Minute bitten, die aktuelle Aktion ankündigen, das Interesse notieren.',
    codes: { informed: 'Kunde informiert', callback_requested: 'Später zurückrufen' },
    text: {
      intro: deIntro,
      time: 'Haben Sie eine Minute Zeit?',
      announce: 'Wir möchten Ihnen gern Folgendes vorstellen: {{promotions.active}}.',
      interest: 'Möchten Sie mehr darüber erfahren?',
      close: 'Vielen Dank für Ihre Zeit. Auf Wiederhören!',
      later: 'Kein Problem, wir rufen Sie ein andermal an. Auf Wiederhören!',
    },
  },
  surveys: {
    name: 'Eine Zufriedenheitsumfrage durchführen',
    description: 'Sich vorstellen, um Zustimmung bitten, eine Note von 1 bis 10, ob er uns weiterempfehlen würde, und Anmerkungen.',
    codes: { survey_completed: 'Umfrage abgeschlossen', survey_refused: 'Umfrage abgelehnt' },
    text: {
      intro: deIntro,
      consent: 'Würden Sie drei kurze Fragen zu {{tenant.name}} beantworten?',
      score: 'Wie zufrieden sind Sie auf einer Skala von 1 bis 10 mit {{tenant.name}}?',
      recommend: 'Würden Sie uns einem Freund empfehlen?',
      comments: 'Möchten Sie uns noch etwas mitteilen?',
      close: 'Vielen Dank für Ihre Antworten. Auf Wiederhören!',
      refused: 'Kein Problem, vielen Dank für Ihre Zeit. Auf Wiederhören!',
    },
  },
  telesales: {
    name: 'Ein Angebot machen',
    description: 'Sich vorstellen, die Aktion präsentieren und einen Verkauf, einen Rückruf oder eine Ablehnung festhalten.',
    codes: { sale_made: 'Verkauf abgeschlossen', callback_requested: 'Später zurückrufen', not_interested: 'Kein Interesse' },
    text: {
      intro: `${deIntro} Wir haben ein Angebot für Sie: {{promotions.active}}.`,
      interest: 'Hätten Sie Interesse?',
      details: 'Notieren Sie, was der Kunde nimmt.',
      sold: 'Vielen Dank, Ihre Bestellung ist erfasst. Auf Wiederhören!',
      when: 'Wann dürfen wir Sie zurückrufen?',
      later: 'Dann rufen wir Sie zu diesem Zeitpunkt zurück. Auf Wiederhören!',
      declined: 'Ich verstehe. Vielen Dank für Ihre Zeit. Auf Wiederhören!',
    },
    choices: { interest: { yes: 'Ja', later: 'Bitte später zurückrufen', no: 'Nein' } },
  },
  lead_qualification: {
    name: 'Einen Kontakt qualifizieren',
    description: 'Sich vorstellen, den Gesprächspartner bestätigen, sein Interesse, den Rückrufzeitpunkt und Notizen festhalten.',
    codes: { lead_qualified: 'Kontakt qualifiziert', not_interested: 'Kein Interesse' },
    text: {
      intro: deIntro,
      name: 'Mit wem spreche ich?',
      interest: 'Wie groß ist das Interesse an den Leistungen von {{tenant.name}}?',
      callback: 'Wann passt ein Rückruf am besten?',
      notes: 'Notizen für das Vertriebsteam',
      close: 'Vielen Dank, {{answers.name}}, wir melden uns bei Ihnen. Auf Wiederhören!',
      declined: 'Ich verstehe. Vielen Dank für Ihre Zeit. Auf Wiederhören!',
    },
    choices: { interest: { high: 'Sehr', medium: 'Einigermaßen', low: 'Ein wenig', none: 'Gar nicht' } },
  },
};

export const templateWords: Partial<Record<Language, Record<CallFunctionId, TemplateWords>>> = { fr, de };
