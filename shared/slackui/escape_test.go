package slackui

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

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
	conv := inbox.Conversation{ID: "01TEST", CustomerName: "<!channel> Mallory", Channel: inbox.ChannelChat, Status: inbox.StatusOpen,
		OpenedAt: at, FirstMessageText: "click <https://evil.example|your invoice> @here\nsecond line",
		Triage: &inbox.Triage{Category: "billing", Summary: "Wants <!everyone> pinged", NeedsHumanReason: "<@U0BOSS> asked for", Source: "model"}}
	profile := inbox.Profile{Identities: []inbox.Identity{{Channel: inbox.ChannelEmail, Address: "<mailto:x@evil.example|boss@corp>"}}}
	text := mrkdwnText(t, Card(conv, profile, "note:"))
	for _, bad := range []string{"<!channel>", "<https://evil.example", "@here", "<!everyone>", "<@U0BOSS>", "<mailto:"} {
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

func TestCardShowsStateAndControls(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	base := inbox.Conversation{ID: "01CARD", CustomerName: "Ada", Channel: inbox.ChannelWhatsApp, Status: inbox.StatusOpen, OpenedAt: at, WaitingSince: at}
	tests := []struct {
		name        string
		change      func(*inbox.Conversation)
		wantText    []string
		wantActions []string
	}{
		{"new", func(*inbox.Conversation) {}, []string{"Unassigned", "Not set", "since <!date^", "WhatsApp"},
			[]string{"assign_me", "resolve", "snooze", "priority"}},
		{"assigned and triaged", func(c *inbox.Conversation) {
			c.AssigneeID, c.Priority = "U0AGENT1", inbox.PriorityUrgent
			c.Triage = &inbox.Triage{Category: "refund", Sentiment: inbox.SentimentNegative, Language: "pt", Summary: "Quer reembolso", SuggestedReply: "Olá!", Source: "rules"}
		}, []string{"<@U0AGENT1>", "Urgent", "*refund*", "negative", "`pt`", "Quer reembolso"},
			[]string{"assign_me", "resolve", "snooze", "priority", "suggested_reply"}},
		{"snoozed", func(c *inbox.Conversation) {
			c.Status, c.SnoozedUntil = inbox.StatusSnoozed, at.Add(time.Hour)
		}, []string{"Snoozed until <!date^"}, []string{"assign_me", "resolve", "snooze", "priority"}},
		{"resolved after a reopen", func(c *inbox.Conversation) {
			c.Status, c.ReopenCount, c.WaitingSince = inbox.StatusResolved, 1, time.Time{}
			c.Triage = &inbox.Triage{Category: "bug", SuggestedReply: "Hi", Source: "rules"}
		}, []string{"Resolved", "reopened once", "Answered"}, []string{"reopen", "priority"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conv := base
			tc.change(&conv)
			blocks := Card(conv, inbox.Profile{Conversations: 3, PreviousOpenedAt: at.Add(-48 * time.Hour), LastCSAT: 4}, "note:")
			text := mrkdwnText(t, blocks)
			for _, want := range append(tc.wantText, "2 past conversations", "4/5", "`note:`") {
				if !strings.Contains(text, want) {
					t.Errorf("card lacks %q:\n%s", want, text)
				}
			}
			var actions []string
			for _, b := range blocks {
				if a, ok := b.(*slack.ActionBlock); ok {
					if a.BlockID != "conversation:01CARD" {
						t.Errorf("actions block id %q; want it to carry the conversation id", a.BlockID)
					}
					for _, e := range a.Elements.ElementSet {
						switch e := e.(type) {
						case *slack.ButtonBlockElement:
							actions = append(actions, e.ActionID)
						case *slack.SelectBlockElement:
							actions = append(actions, e.ActionID)
						}
					}
				}
			}
			if !slices.Equal(actions, tc.wantActions) {
				t.Errorf("actions %v; want %v", actions, tc.wantActions)
			}
		})
	}
}

// mrkdwnText is every mrkdwn text of the blocks: what Slack formats, links
// and pings. plain_text is shown as typed, so it needs no escaping.
func mrkdwnText(t *testing.T, blocks []slack.Block) string {
	t.Helper()
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return collectText(v)
}

func collectText(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok && x["type"] == "mrkdwn" {
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

func BenchmarkCard(b *testing.B) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	conv := inbox.Conversation{ID: "01CARD", CustomerName: "Ada", Channel: inbox.ChannelWhatsApp, Status: inbox.StatusOpen,
		OpenedAt: at, WaitingSince: at, AssigneeID: "U0AGENT1", Priority: inbox.PriorityHigh,
		FirstMessageText: strings.Repeat("My order has not arrived & I'm <upset>. ", 20),
		Triage:           &inbox.Triage{Category: "shipping", Sentiment: inbox.SentimentNegative, Language: "en", Summary: "Late order", SuggestedReply: "Hi", Source: "rules"}}
	p := inbox.Profile{Identities: []inbox.Identity{{Channel: inbox.ChannelWhatsApp, Address: "+34600000000"}, {Channel: inbox.ChannelEmail, Address: "ada@example.com"}}, Conversations: 4, PreviousOpenedAt: at, LastCSAT: 5}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := json.Marshal(Card(conv, p, "note:")); err != nil {
			b.Fatal(err)
		}
	}
}
