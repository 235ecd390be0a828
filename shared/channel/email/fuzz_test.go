package email

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse holds Parse and StripQuoted to never panic and to keep what
// they return displayable, whatever a sender puts in a mail.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed mails: %v", err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if e, err := Parse(raw); err == nil {
			checkEmail(t, e)
		}
		shown, trimmed := StripQuoted(string(raw))
		if !utf8.ValidString(shown) {
			t.Errorf("StripQuoted gave invalid UTF-8 %q", shown)
		}
		if !trimmed && shown != cleanText(string(raw)) {
			t.Errorf("StripQuoted = %q, untrimmed; want the whole text", shown)
		}
		_, _ = Parse(headerSection(raw))
	})
}

func checkEmail(t *testing.T, e *Email) {
	t.Helper()
	for _, s := range append([]string{e.From, e.FromName, e.Subject, e.Text, e.FullText}, e.References...) {
		if !utf8.ValidString(s) {
			t.Errorf("invalid UTF-8 %q", s)
		}
	}
	if strings.ContainsAny(e.Subject+e.FromName, "\r\n") {
		t.Errorf("Subject %q or name %q span lines", e.Subject, e.FromName)
	}
	if e.Kind == KindBounce && e.Bounce == nil {
		t.Error("bounce without Bounce")
	}
	if len(e.References) > maxReferences {
		t.Errorf("%d references; want at most %d", len(e.References), maxReferences)
	}
	for _, id := range e.References {
		if id == "" || strings.ContainsAny(id, "<> \r\n") {
			t.Errorf("reference %q is not a bare message id", id)
		}
	}
}
