package email

import (
	"html"
	"strings"
	"unicode/utf8"
)

// maxLineBytes keeps lines well under SMTP's 998-byte limit; enmime sends
// ASCII text as it is, without re-wrapping.
const maxLineBytes = 900

// The HTML part is a whole document: some clients show a bare fragment
// in a fallback font or encoding.
const (
	htmlHead = "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"></head><body>\r\n"
	htmlTail = "</body></html>\r\n"
)

// htmlBody is the HTML alternative of an agent's plain-text reply:
// escaped, one paragraph per blank-line-separated block, line breaks kept,
// and nothing loaded from elsewhere.
func htmlBody(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var b strings.Builder
	b.WriteString(htmlHead)
	for _, paragraph := range strings.Split(text, "\n\n") {
		paragraph = strings.Trim(paragraph, "\n")
		if strings.TrimSpace(paragraph) == "" {
			continue
		}
		b.WriteString("<p>")
		for i, line := range strings.Split(paragraph, "\n") {
			if i > 0 {
				b.WriteString("<br>\r\n")
			}
			b.WriteString(strings.ReplaceAll(wrapLongLines(html.EscapeString(line)), "\n", "\r\n"))
		}
		b.WriteString("</p>\r\n")
	}
	b.WriteString(htmlTail)
	return b.String()
}

// wrapLongLines breaks lines longer than maxLineBytes at a space, or
// anywhere when there is none.
func wrapLongLines(text string) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		var b strings.Builder
		for len(line) > maxLineBytes {
			cut := strings.LastIndexByte(line[:maxLineBytes], ' ')
			if cut <= 0 {
				// No space: SMTP allows no longer line, so break the
				// word, but not inside a character or an HTML entity.
				cut = maxLineBytes
				for cut > 0 && !utf8.RuneStart(line[cut]) {
					cut--
				}
				if amp := strings.LastIndexByte(line[:cut], '&'); amp > 0 && cut-amp < 10 && !strings.Contains(line[amp:cut], ";") {
					cut = amp
				}
			}
			b.WriteString(line[:cut] + "\n")
			line = strings.TrimLeft(line[cut:], " ")
		}
		b.WriteString(line)
		lines[i] = b.String()
	}
	return strings.Join(lines, "\n")
}
