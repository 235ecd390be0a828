package slackapp

import (
	"strings"
	"testing"
)

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello!", "Hello!"},
		{"Tom &amp; Jerry &lt;3 &gt;_&lt;", "Tom & Jerry <3 >_<"},
		{"an agent typed &amp;lt; literally", "an agent typed &lt; literally"},
		{"see <https://example.com/a>", "see https://example.com/a"},
		{"see <https://example.com/a|example.com/a>", "see https://example.com/a"},
		{"see <https://example.com/a|our docs>", "see our docs (https://example.com/a)"},
		{"mail <mailto:help@example.com|help@example.com>", "mail help@example.com"},
		{"call <tel:+15550100|+15550100>", "call +15550100"},
		{"ask <@U0AGENT2|sam>", "ask @sam"},
		{"ask <@U0AGENT2>", "ask @someone"},
		{"in <#C0123|billing>", "in #billing"},
		{"<!here> done", "@here done"},
		{"  padded \n", "padded"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"<https://a|b>", "&amp;lt;", "<@U1>", "<<>>", "<!here|x>", "a|b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := PlainText(s)
		if len(got) > 2*len(s)+16 {
			t.Fatalf("PlainText(%q) grew to %d bytes", s, len(got))
		}
		if !strings.ContainsAny(s, "<&") && got != strings.TrimSpace(s) {
			t.Fatalf("PlainText(%q) = %q changed text without markup", s, got)
		}
	})
}
