package triage

import (
	"cmp"
	"strings"
	"unicode"

	"github.com/abadojack/whatlanggo"
)

// latinLanguages are the Latin-script languages detection chooses among.
// Trigram detection over all 80-odd languages it knows mistakes short
// support messages for Latin, Esperanto or Tagalog; a support inbox hears
// from a much smaller set.
var latinLanguages = whatlanggo.Options{Whitelist: map[whatlanggo.Lang]bool{
	whatlanggo.Eng: true, whatlanggo.Spa: true, whatlanggo.Fra: true, whatlanggo.Deu: true,
	whatlanggo.Por: true, whatlanggo.Ita: true, whatlanggo.Nld: true, whatlanggo.Swe: true,
	whatlanggo.Dan: true, whatlanggo.Pol: true, whatlanggo.Tur: true,
}}

// Below minLetters a message ("ok", "thx!") says too little to tell its
// language, and below minConfidence whatlanggo is guessing. Then common
// words decide when only one language has minFunctionWords of them, and
// English, the likeliest language of a short message to an inbox, when
// none or several do.
const (
	minLetters       = 12
	minConfidence    = 0.5
	minFunctionWords = 2
)

// functionWords maps short, frequent words to the one language of the
// reply templates they belong to. Trigram detection mistakes "Bonjour, je
// voudrais savoir quand ma commande sera livrée" for Portuguese; "je",
// "voudrais" and "quand" do not. Words two languages share ("de", "que",
// "la") are left out, and words are accent-folded like all rule text.
var functionWords = func() map[string]string {
	lists := map[string]string{
		"en": "the and is my you your with this have has what where when how please would could can not was are been there of for it to",
		"es": "el los mi mis cuando gracias hola puedo quiero quisiera tengo muy tambien hace",
		"fr": "je le les et est pas vous mon ma mes pour avec bonjour merci une des du ne qui sur sera suis quand voudrais",
		"de": "der die das und ich ist nicht mein meine sie mit fur ein eine wie auf den dem zu bitte danke habe wir ihr auch noch von wenn wann mochte",
		"pt": "o os nao meu minha um uma voce ola obrigado obrigada gostaria vai pra vcs seu sua ainda isso tem fazer muito mas",
		"it": "il gli di che non mio mia sono ho ciao grazie buongiorno salve questo vorrei ancora anche della nel nella",
		"nl": "het een ik niet mijn van dat op wanneer jullie hoe voor met bedankt graag heb wordt zijn naar ook kan wil weten",
	}
	words := make(map[string]string)
	for lang, list := range lists {
		for _, w := range strings.Fields(list) {
			words[w] = lang
		}
	}
	return words
}()

// detectLanguage returns the ISO 639-1 code of the language text is in.
// Scripts used by one language of the support set decide by themselves;
// Latin text goes to trigram detection.
func detectLanguage(text string) string {
	var letters, latin, kana, hangul, han, cyrillic, arabic int
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		switch {
		case unicode.Is(unicode.Latin, r):
			latin++
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana++
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.Is(unicode.Cyrillic, r):
			cyrillic++
		case unicode.Is(unicode.Arabic, r):
			arabic++
		}
	}
	switch {
	case letters == 0:
		return fallbackLanguage
	// Japanese mixes kana with Chinese characters, often more of the
	// latter, so any real amount of kana means Japanese.
	case kana >= 2 && kana+han > latin:
		return "ja"
	case hangul > latin:
		return "ko"
	case han > latin:
		return "zh"
	case cyrillic > latin:
		return "ru"
	case arabic > latin:
		return "ar"
	case latin < minLetters:
		return fallbackLanguage
	}
	info := whatlanggo.DetectWithOptions(text, latinLanguages)
	if info.Confidence >= minConfidence && info.Lang.Iso6391() != "" {
		return info.Lang.Iso6391()
	}
	return cmp.Or(functionWordVote(text), fallbackLanguage)
}

// functionWordVote returns the language whose function words text uses,
// or "" unless exactly one language has at least minFunctionWords.
func functionWordVote(text string) string {
	counts := make(map[string]int)
	for _, w := range words(text) {
		if lang, ok := functionWords[w]; ok {
			counts[lang]++
		}
	}
	vote := ""
	for lang, n := range counts {
		if n < minFunctionWords {
			continue
		}
		if vote != "" {
			return ""
		}
		vote = lang
	}
	return vote
}
