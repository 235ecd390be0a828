package csat

import "strings"

// texts are the words of a rating request and of the rating page in one
// language. Labels stay within Messenger's 20 characters.
type texts struct {
	Question      string
	Labels        [5]string // scores 1 to 5
	ReplyHint     string
	Choose        string
	LinkHint      string
	CommentPrompt string
	Send          string
	Thanks        string

	PageTitle    string
	ScoreLegend  string
	ChangeUntil  string // followed by a date
	Saved        string
	Forged       string
	Expired      string
	NotFound     string
	ChooseScore  string
	CommentLimit string
}

// DefaultLanguage is used when triage found no language, or one the
// requests are not written in.
const DefaultLanguage = "en"

var languages = map[string]texts{
	"en": {
		Question:  "Your request has been resolved. How would you rate the help you received?",
		Labels:    [5]string{"Very bad", "Bad", "OK", "Good", "Excellent"},
		ReplyHint: "Reply with a number from 1 (very bad) to 5 (excellent).", Choose: "Rate us",
		LinkHint: "Choose a score, it takes one click:", CommentPrompt: "Anything to add? (optional)",
		Send: "Send", Thanks: "Thank you for your feedback!",
		PageTitle: "Rate our help", ScoreLegend: "How would you rate the help you received?",
		ChangeUntil: "You can change your rating until", Saved: "Thank you! Your rating is saved.",
		Forged:  "This rating link is not valid. Please use the link from our message as it was sent.",
		Expired: "This rating link has expired. Thank you all the same!", NotFound: "We could not find this conversation.",
		ChooseScore: "Please choose a score from 1 to 5.", CommentLimit: "Please keep the comment under 1,000 characters.",
	},
	"es": {
		Question:  "Hemos resuelto tu consulta. ¿Cómo valorarías la ayuda recibida?",
		Labels:    [5]string{"Muy mala", "Mala", "Normal", "Buena", "Excelente"},
		ReplyHint: "Responde con un número del 1 (muy mala) al 5 (excelente).", Choose: "Valorar",
		LinkHint: "Elige una puntuación con un clic:", CommentPrompt: "¿Algo que añadir? (opcional)",
		Send: "Enviar", Thanks: "¡Gracias por tu opinión!",
		PageTitle: "Valora nuestra ayuda", ScoreLegend: "¿Cómo valorarías la ayuda recibida?",
		ChangeUntil: "Puedes cambiar tu valoración hasta el", Saved: "¡Gracias! Hemos guardado tu valoración.",
		Forged:  "Este enlace de valoración no es válido. Usa el enlace de nuestro mensaje tal como llegó.",
		Expired: "Este enlace de valoración ha caducado. ¡Gracias de todos modos!", NotFound: "No encontramos esta conversación.",
		ChooseScore: "Elige una puntuación del 1 al 5.", CommentLimit: "El comentario no puede pasar de 1000 caracteres.",
	},
	"fr": {
		Question:  "Votre demande est résolue. Comment évaluez-vous l'aide reçue ?",
		Labels:    [5]string{"Très mauvaise", "Mauvaise", "Correcte", "Bonne", "Excellente"},
		ReplyHint: "Répondez par un chiffre de 1 (très mauvaise) à 5 (excellente).", Choose: "Évaluer",
		LinkHint: "Choisissez une note en un clic :", CommentPrompt: "Un commentaire ? (facultatif)",
		Send: "Envoyer", Thanks: "Merci pour votre avis !",
		PageTitle: "Évaluez notre aide", ScoreLegend: "Comment évaluez-vous l'aide reçue ?",
		ChangeUntil: "Vous pouvez modifier votre note jusqu'au", Saved: "Merci ! Votre note est enregistrée.",
		Forged:  "Ce lien d'évaluation n'est pas valide. Utilisez le lien de notre message tel quel.",
		Expired: "Ce lien d'évaluation a expiré. Merci tout de même !", NotFound: "Nous ne trouvons pas cette conversation.",
		ChooseScore: "Choisissez une note de 1 à 5.", CommentLimit: "Le commentaire ne doit pas dépasser 1000 caractères.",
	},
	"de": {
		Question:  "Ihr Anliegen ist gelöst. Wie bewerten Sie unsere Hilfe?",
		Labels:    [5]string{"Sehr schlecht", "Schlecht", "Okay", "Gut", "Ausgezeichnet"},
		ReplyHint: "Antworten Sie mit einer Zahl von 1 (sehr schlecht) bis 5 (ausgezeichnet).", Choose: "Bewerten",
		LinkHint: "Wählen Sie eine Note mit einem Klick:", CommentPrompt: "Noch etwas? (optional)",
		Send: "Senden", Thanks: "Danke für Ihr Feedback!",
		PageTitle: "Bewerten Sie unsere Hilfe", ScoreLegend: "Wie bewerten Sie unsere Hilfe?",
		ChangeUntil: "Sie können Ihre Bewertung ändern bis zum", Saved: "Danke! Ihre Bewertung ist gespeichert.",
		Forged:  "Dieser Bewertungslink ist ungültig. Bitte nutzen Sie den Link aus unserer Nachricht unverändert.",
		Expired: "Dieser Bewertungslink ist abgelaufen. Trotzdem vielen Dank!", NotFound: "Wir finden dieses Gespräch nicht.",
		ChooseScore: "Bitte wählen Sie eine Note von 1 bis 5.", CommentLimit: "Der Kommentar darf höchstens 1000 Zeichen lang sein.",
	},
	"pt": {
		Question:  "O seu pedido foi resolvido. Como avalia a ajuda que recebeu?",
		Labels:    [5]string{"Muito má", "Má", "Razoável", "Boa", "Excelente"},
		ReplyHint: "Responda com um número de 1 (muito má) a 5 (excelente).", Choose: "Avaliar",
		LinkHint: "Escolha uma nota com um clique:", CommentPrompt: "Algo a acrescentar? (opcional)",
		Send: "Enviar", Thanks: "Obrigado pela sua opinião!",
		PageTitle: "Avalie a nossa ajuda", ScoreLegend: "Como avalia a ajuda que recebeu?",
		ChangeUntil: "Pode alterar a sua avaliação até", Saved: "Obrigado! A sua avaliação foi guardada.",
		Forged:  "Este link de avaliação não é válido. Use o link da nossa mensagem tal como chegou.",
		Expired: "Este link de avaliação expirou. Obrigado na mesma!", NotFound: "Não encontramos esta conversa.",
		ChooseScore: "Escolha uma nota de 1 a 5.", CommentLimit: "O comentário não pode passar de 1000 caracteres.",
	},
	"it": {
		Question:  "La tua richiesta è stata risolta. Come valuti l'aiuto ricevuto?",
		Labels:    [5]string{"Pessimo", "Scarso", "Sufficiente", "Buono", "Ottimo"},
		ReplyHint: "Rispondi con un numero da 1 (pessimo) a 5 (ottimo).", Choose: "Valuta",
		LinkHint: "Scegli un voto con un clic:", CommentPrompt: "Vuoi aggiungere qualcosa? (facoltativo)",
		Send: "Invia", Thanks: "Grazie per il tuo parere!",
		PageTitle: "Valuta il nostro aiuto", ScoreLegend: "Come valuti l'aiuto ricevuto?",
		ChangeUntil: "Puoi cambiare il tuo voto fino al", Saved: "Grazie! Il tuo voto è stato salvato.",
		Forged:  "Questo link di valutazione non è valido. Usa il link del nostro messaggio così com'è.",
		Expired: "Questo link di valutazione è scaduto. Grazie comunque!", NotFound: "Non troviamo questa conversazione.",
		ChooseScore: "Scegli un voto da 1 a 5.", CommentLimit: "Il commento non può superare i 1000 caratteri.",
	},
	"nl": {
		Question:  "Je vraag is opgelost. Hoe beoordeel je de hulp die je kreeg?",
		Labels:    [5]string{"Zeer slecht", "Slecht", "Redelijk", "Goed", "Uitstekend"},
		ReplyHint: "Antwoord met een cijfer van 1 (zeer slecht) tot 5 (uitstekend).", Choose: "Beoordelen",
		LinkHint: "Kies een score met één klik:", CommentPrompt: "Nog iets toe te voegen? (optioneel)",
		Send: "Versturen", Thanks: "Bedankt voor je feedback!",
		PageTitle: "Beoordeel onze hulp", ScoreLegend: "Hoe beoordeel je de hulp die je kreeg?",
		ChangeUntil: "Je kunt je beoordeling wijzigen tot", Saved: "Bedankt! Je beoordeling is opgeslagen.",
		Forged:  "Deze beoordelingslink is ongeldig. Gebruik de link uit ons bericht zoals die kwam.",
		Expired: "Deze beoordelingslink is verlopen. Toch bedankt!", NotFound: "We kunnen dit gesprek niet vinden.",
		ChooseScore: "Kies een score van 1 tot 5.", CommentLimit: "De opmerking mag hoogstens 1000 tekens lang zijn.",
	},
}

// language picks the language a request is written in from a BCP 47 tag
// such as "pt-BR": its primary subtag when there are texts for it.
func language(tag string) string {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	if _, ok := languages[primary]; ok {
		return primary
	}
	return DefaultLanguage
}

func textsFor(lang string) texts { return languages[language(lang)] }
