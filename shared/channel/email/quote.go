package email

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// StripQuoted returns what the sender wrote in a reply, without the
// earlier mail their client quoted below it or their signature, and
// whether anything was left out. It cuts at the first quote header
// (Gmail's "On … wrote:", possibly wrapped and in the sender's language;
// Apple Mail's "On 3 Jun 2024, at 10:00, …"; Outlook's "From: … Sent: …"
// block or "-----Original Message-----"), at a signature separator ("-- ")
// or a "Sent from my iPhone" line, and drops ">"-quoted lines. A forwarded
// message is kept whole, from its "Forwarded message" line on: what a
// customer forwards is what they want support to read. If nothing would
// be left, the whole text is.
func StripQuoted(text string) (shown string, trimmed bool) {
	full := cleanText(text)
	lines := strings.Split(full, "\n")
	forward := len(lines)
	for i, line := range lines {
		if isForwardMarker(line) {
			forward = i
			break
		}
	}
	cut := len(lines)
	for i := range lines[:forward] {
		if quoteStarts(lines, i) {
			cut = i
			break
		}
	}
	kept := make([]string, 0, cut)
	removed := false
	for _, line := range lines[:min(cut, forward)] {
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), ">") {
			removed = true
			continue
		}
		// A quote removed from between two paragraphs leaves one blank
		// line, not two.
		if line == "" && removed && len(kept) > 0 && kept[len(kept)-1] == "" {
			continue
		}
		removed = false
		kept = append(kept, line)
	}
	if cut > forward {
		kept = append(kept, lines[forward:]...)
	}
	for len(kept) > 0 && isRule(kept[len(kept)-1]) {
		kept = kept[:len(kept)-1]
	}
	shown = strings.Trim(strings.Join(kept, "\n"), "\n")
	if strings.TrimSpace(shown) == "" {
		return full, false
	}
	return shown, shown != full
}

const (
	// maxHeaderLines is how many lines a wrapped "On … wrote:" may span.
	maxHeaderLines = 3
	// maxMarkerBytes bounds the lines that can be a quote header or a
	// "Forwarded message" line.
	maxMarkerBytes = 320
)

// quoteStarts reports whether the quoted part of a reply starts at line i.
func quoteStarts(lines []string, i int) bool {
	line := strings.TrimSpace(lines[i])
	switch {
	case line == "" || len(line) > maxMarkerBytes:
		// Quote headers are short; not matching long lines keeps a
		// huge single-line mail fast.
		return false
	case originalMessage.MatchString(line), line == "--" && i > 0, utf8.RuneCountInString(line) < 120 && hasAnyPrefix(strings.ToLower(line), sentFromPrefixes):
		return true
	case strings.Trim(line, "_") == "" && len(line) >= 20:
		// Outlook puts a rule of underscores above its header block.
		return i+1 < len(lines) && quotedHeaders(lines, i+1)
	case quotedHeaders(lines, i):
		return true
	}
	if isWroteLine(line) {
		return true
	}
	if !hasAnyPrefix(line, wroteLeads) {
		return false
	}
	// Gmail wraps a long header over two or three lines.
	joined := line
	for j := i + 1; j < len(lines) && j < i+maxHeaderLines && strings.TrimSpace(lines[j]) != "" && len(joined) < maxMarkerBytes; j++ {
		joined += " " + strings.TrimSpace(lines[j])
		if isWroteLine(joined) {
			return true
		}
	}
	return false
}

var originalMessage = regexp.MustCompile(`(?i)^-{2,}\s*(original message|ursprüngliche nachricht|mensaje original|message d'origine|messaggio originale|mensagem original|oorspronkelijk bericht|originalmeddelande|oprindelig meddelelse|opprinnelig melding)\s*-{2,}$`)

// The words that mark quotes, by language. They are matched with
// strings.Contains and HasPrefix on a lower-cased line, not with case-
// insensitive regular expressions, which are slow on mails of many lines.
var (
	forwardPhrases = []string{"forwarded message", "begin forwarded message", "mensaje reenviado", "weitergeleitete nachricht",
		"message transféré", "messaggio inoltrato", "mensagem encaminhada", "doorgestuurd bericht"}
	sentFromPrefixes = []string{"sent from my ", "sent from outlook", "sent from mail for windows", "sent from yahoo mail",
		"get outlook for ", "enviado desde mi ", "enviado do meu ", "envoyé de mon ", "envoyé depuis ", "von meinem ",
		"inviato da ", "verzonden met ", "verstuurd vanaf mijn ", "发送自", "从我的"}
	// wroteLeads start a reply header; case matters ("on" in the middle
	// of a sentence is not one).
	wroteLeads = []string{"On ", "on ", "El ", "el ", "Le ", "le ", "Am ", "am ", "Il ", "il ", "Em ", "em ", "Op ", "op ",
		"Den ", "den ", "W dniu ", "Dne ", "Dana ", "Pada ", "在 "}
	// wroteVerbs end it.
	wroteVerbs = []string{"wrote", "escribió", "escribio", "a écrit", "schrieb", "ha scritto", "escreveu", "schreef",
		"skrev", "napisał", "napsal", "je napisao", "menulis", "kirjoitti", "写道", "寫道"}
)

func containsAny(s string, words []string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(s, w) })
}

func hasAnyPrefix(s string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(s, p) })
}

// isForwardMarker reports whether a line introduces a forwarded message:
// "---------- Forwarded message ---------" or "Begin forwarded message:"
// and their translations. The cheap test first keeps long mails fast.
func isForwardMarker(line string) bool {
	return len(line) < maxMarkerBytes && (strings.Contains(line, "--") || strings.HasSuffix(line, ":")) &&
		containsAny(strings.ToLower(line), forwardPhrases)
}

// isWroteLine reports whether s is a reply header such as "On Mon, 3 Jun
// 2024 at 10:00, Ada <a@b.c> wrote:" or "Am … schrieb Ada <a@b.c>:". A
// line that merely starts like one ("On Monday it failed:") has no verb.
func isWroteLine(s string) bool {
	if !strings.HasSuffix(s, ":") && !strings.HasSuffix(s, "：") {
		return false
	}
	lower := strings.ToLower(s)
	if hasAnyPrefix(s, wroteLeads) && containsAny(lower, wroteVerbs) {
		return true
	}
	// "Ada Lovelace <ada@example.com> wrote:", without a date.
	return strings.Contains(s, "@") && strings.HasSuffix(lower, " wrote:")
}

// quotedHeaders reports whether line i starts a quoted mail's header block
// as Outlook and others write it: a From line followed, before the next
// blank line, by at least two of Sent, Date, To, Cc and Subject.
func quotedHeaders(lines []string, i int) bool {
	if !headerField(lines[i], fromFields) {
		return false
	}
	found := 0
	for j := i + 1; j < len(lines) && j <= i+8; j++ {
		if strings.TrimSpace(lines[j]) == "" {
			break
		}
		if headerField(lines[j], otherFields) {
			found++
		}
	}
	return found >= 2
}

// headerField reports whether line is "Name: value" with one of names,
// also in bold ("*From:*") as HTML mail turned into text shows it.
func headerField(line string, names map[string]bool) bool {
	line = strings.TrimLeft(strings.TrimSpace(line), "*")
	name, _, ok := strings.Cut(line, ":")
	if !ok {
		name, _, ok = strings.Cut(line, "：")
	}
	if !ok || utf8.RuneCountInString(name) > 25 {
		return false
	}
	return names[strings.ToLower(strings.TrimSpace(strings.Trim(name, "*")))]
}

var (
	fromFields  = set("from", "de", "von", "van", "da", "från", "fra", "od", "от", "发件人", "寄件者", "差出人")
	otherFields = set("sent", "date", "to", "cc", "subject",
		"envoyé", "enviado", "gesendet", "verzonden", "inviato", "skickat", "sendt", "datum", "fecha", "data",
		"à", "a", "para", "an", "aan", "till", "til", "objet", "asunto", "assunto", "betreff", "onderwerp", "oggetto", "ämne", "emne",
		"发送时间", "收件人", "主题", "送信日時", "宛先", "件名")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// isRule reports whether a line is a horizontal rule of underscores or
// dashes, such as Outlook leaves above the quote it was cut at.
func isRule(line string) bool {
	line = strings.TrimSpace(line)
	return len(line) >= 2 && strings.Trim(line, "_-=*") == ""
}
