package triage

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// accentFolds maps accented Latin letters, already lower-cased, to their
// plain spelling, so "facturación" matches the keyword "facturacion" and a
// customer who types without accents still matches an accented keyword.
// Combining marks (decomposed input) are dropped by words instead.
var accentFolds = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'æ': "ae", 'ç': "c", 'ć': "c", 'ĉ': "c", 'ċ': "c", 'č': "c", 'ď': "d", 'đ': "d", 'ð': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ĕ': "e", 'ė': "e", 'ę': "e", 'ě': "e",
	'ĝ': "g", 'ğ': "g", 'ġ': "g", 'ģ': "g", 'ĥ': "h", 'ħ': "h",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ĩ': "i", 'ī': "i", 'ĭ': "i", 'į': "i", 'ı': "i",
	'ĵ': "j", 'ķ': "k", 'ĺ': "l", 'ļ': "l", 'ľ': "l", 'ŀ': "l", 'ł': "l",
	'ñ': "n", 'ń': "n", 'ņ': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ŏ': "o", 'ő': "o",
	'œ': "oe", 'ŕ': "r", 'ŗ': "r", 'ř': "r", 'ß': "ss",
	'ś': "s", 'ŝ': "s", 'ş': "s", 'š': "s", 'ș': "s", 'ţ': "t", 'ť': "t", 'ț': "t", 'þ': "th",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ũ': "u", 'ū': "u", 'ŭ': "u", 'ů': "u", 'ű': "u", 'ų': "u",
	'ŵ': "w", 'ý': "y", 'ÿ': "y", 'ŷ': "y", 'ź': "z", 'ż': "z", 'ž': "z",
}

// standsAlone reports whether r is a word by itself: a character of a
// script written without spaces (Chinese, Japanese kana), so a keyword
// such as "返金" matches as a sequence of characters, or a symbol such as
// an emoji, which says as much about a customer's mood as a word.
func standsAlone(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.So)
}

// words splits s into lower-cased, accent-folded word tokens: runs of
// letters and digits, and single characters that stand alone; everything
// else is a boundary. Apostrophes are boundaries too, so "can't" is
// "can t" and French "l'app" is "l app".
func words(s string) []string {
	tokens := make([]string, 0, len(s)/5+1)
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			tokens = append(tokens, word.String())
			word.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			// A combining accent of decomposed text: folding drops it.
		case standsAlone(r):
			flush()
			tokens = append(tokens, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
			if folded, ok := accentFolds[r]; ok {
				word.WriteString(folded)
			} else {
				word.WriteRune(r)
			}
		default:
			flush()
		}
	}
	flush()
	return tokens
}

// collapseSpace replaces every run of white space with one space.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// truncateRunes shortens s to at most max runes, cutting at a word
// boundary when one is near and marking the cut with an ellipsis.
func truncateRunes(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	kept := string([]rune(s)[:max-1])
	if cut := strings.LastIndexFunc(kept, unicode.IsSpace); cut > 0 && utf8.RuneCountInString(kept[cut:]) < 20 {
		kept = kept[:cut]
	}
	return strings.TrimRightFunc(kept, isPunctOrSpace) + "…"
}

func isPunctOrSpace(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }

// sentences splits text after each sentence end (., ! or ? before a space,
// a line break, and the marks of Chinese and Japanese) and around braces,
// so a JSON object pasted into a message is a sentence of its own.
func sentences(text string) []string {
	var out []string
	start := 0
	cut := func(end int) {
		if s := strings.TrimSpace(text[start:end]); s != "" {
			out = append(out, s)
		}
		start = end
	}
	for i, r := range text {
		next := i + utf8.RuneLen(r)
		switch r {
		case '.', '!', '?':
			if next == len(text) || text[next] == ' ' || text[next] == '\n' {
				cut(next)
			}
		case '\n', '。', '！', '？', '}':
			cut(next)
		case '{':
			cut(i)
		}
	}
	cut(len(text))
	return out
}
