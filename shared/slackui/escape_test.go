package slackui

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hello", "hello"},
		{"<!channel> help", "&lt;!channel&gt; help"},
		{"<!here|here>", "&lt;!here|here&gt;"},
		{"<@U0123ABC> look", "&lt;@U0123ABC&gt; look"},
		{"<https://evil.example|https://bank.example/login>", "&lt;https://evil.example|https://bank.example/login&gt;"},
		{"Tom & Jerry", "Tom &amp; Jerry"},
		{"already &lt; escaped", "already &amp;lt; escaped"},
		{"@channel wake up", "@\u2060channel wake up"},
		{"@HERE and @everyone", "@\u2060HERE and @\u2060everyone"},
		{"mail me at ada@here.example", "mail me at ada@\u2060here.example"},
		{"2 > 1 *bold*", "2 &gt; 1 *bold*"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// controlSequence is any Slack mrkdwn control: mentions, broadcasts, links.
var controlSequence = regexp.MustCompile(`<[^>]*>`)

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"<!channel>", "<@U1|bob>", "<https://a|b>", "@here", "&amp;<>", "\x00<\xff>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		if strings.ContainsAny(got, "<>") {
			t.Fatalf("Escape(%q) = %q keeps a raw < or >", s, got)
		}
		if broadcast.MatchString(got) {
			t.Fatalf("Escape(%q) = %q keeps a bare broadcast", s, got)
		}
		if controlSequence.MatchString(Quote(got)) {
			t.Fatalf("Quote(Escape(%q)) holds a control sequence", s)
		}
	})
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("é", 4000)
	got := Truncate(long, 2900)
	if n := utf8.RuneCountInString(got); n != 2900 || !strings.HasSuffix(got, "…") {
		t.Errorf("Truncate(4000 runes, 2900) = %d runes ending %q; want 2900 ending …", n, got[len(got)-3:])
	}
	if got := Truncate("short", 10); got != "short" {
		t.Errorf("Truncate(short) = %q", got)
	}
}

func TestCardEscapesCustomerText(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	conv := inbox.Conversation{ID: "01TEST", CustomerName: "<!channel> Mallory", Channel: inbox.ChannelChat, Status: inbox.StatusOpen, OpenedAt: at}
	first := inbox.Message{Text: "click <https://evil.example|your invoice> @here\nsecond line"}
	raw, err := json.Marshal(Card(conv, first))
	if err != nil {
		t.Fatal(err)
	}
	var blocks any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatal(err)
	}
	text := collectText(blocks)
	for _, bad := range []string{"<!channel>", "<https://evil.example", "@here"} {
		if strings.Contains(text, bad) {
			t.Errorf("card text contains %q unescaped:\n%s", bad, text)
		}
	}
	for _, want := range []string{"&lt;!channel&gt; Mallory", "Web chat", "> click &lt;https://evil.example|your invoice&gt;", "\n> second line", "01TEST"} {
		if !strings.Contains(text, want) {
			t.Errorf("card text lacks %q:\n%s", want, text)
		}
	}
}

func collectText(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				b.WriteString(s + "\n")
			}
			for _, child := range x {
				walk(child)
			}
		case []any:
			for _, child := range x {
				walk(child)
			}
		}
	}
	walk(v)
	return b.String()
}
