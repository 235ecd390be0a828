package triage

import (
	"strings"
	"testing"
	"testing/fstest"
)

var helpCenter = fstest.MapFS{
	"account/password.md": {Data: []byte(`# Resetting your password

Forgot your password? Use the "Forgot password" link on the sign-in page.

## The reset email never arrives

Check your spam folder. Reset emails come from no-reply@example.com and expire after one hour.

## Two-factor authentication

If you lost your phone, use one of your backup codes to sign in.
`)},
	"billing/invoices.md": {Data: []byte(`# Invoices and receipts

Every payment creates an invoice. Download invoices from Settings, Billing.

## Changing the billing address

The billing address on future invoices can be changed in Settings, Billing. Past invoices cannot be reissued.
`)},
	"shipping.md": {Data: []byte(`Orders ship within two working days. Tracking numbers arrive by email once the parcel leaves our warehouse.

` + "```sh\n# not a heading\ncurl https://example.com/track\n```\n")},
	"notes.txt": {Data: []byte("# Not an article\n\npassword password password")},
}

func TestLoadKnowledge(t *testing.T) {
	k, err := LoadKnowledge(helpCenter)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range k.passages {
		got = append(got, p.Article+" / "+p.Heading)
	}
	want := []string{
		"Resetting your password / ",
		"Resetting your password / The reset email never arrives",
		"Resetting your password / Two-factor authentication",
		"Invoices and receipts / ",
		"Invoices and receipts / Changing the billing address",
		"shipping / ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("passages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if last := k.passages[len(k.passages)-1]; !strings.Contains(last.Text, "# not a heading") {
		t.Errorf("a # line inside a code block was taken for a heading: %q", last.Text)
	}

	if _, err := LoadKnowledge(fstest.MapFS{"readme.txt": {Data: []byte("hi")}}); err == nil {
		t.Error("LoadKnowledge(no .md files) = nil error")
	}
}

func TestKnowledgeSearch(t *testing.T) {
	k, err := LoadKnowledge(helpCenter)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  []string // article / heading of the results, best first
	}{
		{"I never get the password reset email", []string{
			"Resetting your password / The reset email never arrives",
			"Resetting your password / ",
		}},
		{"How do I change the billing address on my invoice?", []string{
			"Invoices and receipts / Changing the billing address",
			"Invoices and receipts / ",
		}},
		{"lost my phone, need the two-factor backup codes", []string{
			"Resetting your password / Two-factor authentication",
			// "two working days": BM25 knows words, not meanings.
			"shipping / ",
		}},
		{"Where is my parcel? No tracking number yet.", []string{"shipping / "}},
		{"DOWNLOAD an invoice", []string{"Invoices and receipts / "}},
		{"the and of", nil},
		{"quantum physics", nil},
	}
	for _, tt := range tests {
		results := k.Search(tt.query, 2)
		var got []string
		for i, p := range results {
			got = append(got, p.Article+" / "+p.Heading)
			if p.Score <= 0 || (i > 0 && p.Score > results[i-1].Score) {
				t.Errorf("Search(%q): scores %v not positive and descending", tt.query, p.Score)
			}
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("Search(%q) = %q; want %q", tt.query, got, tt.want)
		}
	}
}

func TestChunkParagraphs(t *testing.T) {
	para := strings.Repeat("word ", 100) // 500 runes
	chunks := chunkParagraphs(strings.Join([]string{para, para, para, strings.Repeat("x", 2500)}, "\n\n"), 1200)
	for _, c := range chunks {
		if n := len([]rune(c)); n > 1200 || n == 0 {
			t.Errorf("chunk of %d runes; want 1 to 1200", n)
		}
	}
	if len(chunks) != 5 {
		t.Errorf("%d chunks; want 5 (two paragraphs, one, and a long one cut in three)", len(chunks))
	}
}
