package telegram

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func TestParseUpdate(t *testing.T) {
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"text", `{"update_id":1,"message":{"message_id":1,"chat":{"id":2},"text":"hi"}}`, true},
		{"unknown fields", `{"update_id":1,"business_message":{"x":1}}`, true},
		{"not JSON", `foo`, false},
		{"array", `[]`, false},
		{"null", `null`, false},
		{"empty object", `{}`, false},
		{"negative id", `{"update_id":-1}`, false},
		{"id as string", `{"update_id":"1"}`, false},
		{"chat id as string", `{"update_id":1,"message":{"chat":{"id":"2"}}}`, false},
		{"truncated", `{"update_id":1,"message":{`, false},
	}
	for _, tt := range tests {
		_, err := parseUpdate([]byte(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("%s: parseUpdate(%q) = %v; want ok %v", tt.name, tt.body, err, tt.ok)
		}
	}
}

func TestIncoming(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		text    string
		ignored bool
	}{
		{"caption on a video", `{"update_id":1,"message":{"chat":{"id":2},"video":{"file_id":"v"},"caption":"look"}}`, "[Video]\nlook", false},
		{"GIF is not a document", `{"update_id":1,"message":{"chat":{"id":2},"animation":{"file_id":"a"},"document":{"file_id":"a"}}}`, "[GIF]", false},
		{"video note", `{"update_id":1,"message":{"chat":{"id":2},"video_note":{"file_id":"n"}}}`, "[Video message]", false},
		{"poll", `{"update_id":1,"message":{"chat":{"id":2},"poll":{"id":"1","question":"?"}}}`, "[Unsupported message type: poll]", false},
		{"nothing known", `{"update_id":1,"message":{"chat":{"id":2},"date":1}}`, "[Unsupported message type: unknown]", false},
		{"caption on unknown kind", `{"update_id":1,"message":{"chat":{"id":2},"paid_media":{},"caption":"c"}}`, "[Unsupported message type: paid_media]\nc", false},
		{"contact without a name", `{"update_id":1,"message":{"chat":{"id":2},"contact":{"phone_number":"+34600112233"}}}`, "[Contact: +34600112233]", false},
		{"audio with performer", `{"update_id":1,"message":{"chat":{"id":2},"audio":{"file_id":"a","performer":"Band","title":"Song"}}}`, "[Audio: Band - Song]", false},
		{"edited /start is text", `{"update_id":1,"edited_message":{"chat":{"id":2},"text":"/start x"}}`, "[Edited] /start x", false},
		{"/started is not /start", `{"update_id":1,"message":{"chat":{"id":2},"text":"/started"}}`, "/started", false},
		{"button without data", `{"update_id":1,"callback_query":{"from":{"id":3},"game_short_name":"g"}}`, "[Pressed a button]", false},
		{"button on a message", `{"update_id":1,"callback_query":{"from":{"id":3},"message":{"chat":{"id":4,"type":"private"}},"data":"5"}}`, "5", false},
		{"button without a chat", `{"update_id":1,"callback_query":{"data":"5"}}`, "", true},
		{"channel post", `{"update_id":1,"channel_post":{"chat":{"id":-100},"text":"hi"}}`, "", true},
	}
	for _, tt := range tests {
		u, err := parseUpdate([]byte(tt.body))
		if err != nil {
			t.Errorf("%s: parseUpdate = %v", tt.name, err)
			continue
		}
		n, ignored := incoming(u)
		if got := n.render(); (ignored != "") != tt.ignored || !tt.ignored && got != tt.text {
			t.Errorf("%s: incoming = %q, ignored %q; want %q, ignored %v", tt.name, got, ignored, tt.text, tt.ignored)
		}
	}
}

func FuzzParseUpdate(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.json")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := parseUpdate(body)
		if err != nil {
			return
		}
		if u.UpdateID <= 0 {
			t.Fatalf("parseUpdate(%q) accepted update_id %d", body, u.UpdateID)
		}
		n, ignored := incoming(u)
		if ignored != "" {
			return
		}
		text := n.render()
		if n.chatID == 0 || n.updateID != u.UpdateID || text == "" && !n.start && n.label == "" {
			t.Fatalf("incoming(%q) = %+v, %q", body, n, text)
		}
		if n.file != nil && strings.TrimSpace(n.label) == "" {
			t.Fatalf("incoming(%q) has a file but no placeholder", body)
		}
		if n.answer != nil && (n.answer.ConversationID == "" || !inbox.ValidScore(n.answer.Score) || text == "") {
			t.Fatalf("incoming(%q) answers %+v with text %q", body, n.answer, text)
		}
	})
}
