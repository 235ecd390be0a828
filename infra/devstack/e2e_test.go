package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/ddbtest"
	"github.com/switchboard-inbox/switchboard/infra/devstack"
	"github.com/switchboard-inbox/switchboard/infra/slackstub"
	"github.com/switchboard-inbox/switchboard/shared/channel/chat"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// startStack starts a stack on a fresh table; adjust changes its options.
func startStack(t testing.TB, env map[string]string, adjust ...func(*devstack.Options)) *devstack.Stack {
	t.Helper()
	_, table := ddbtest.Table(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env["TABLE_NAME"] = table
	opts := devstack.Options{
		Listener:         l,
		Getenv:           func(k string) string { return env[k] },
		DynamoDBEndpoint: os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"),
		RetryDelay:       10 * time.Millisecond,
		Log:              slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, f := range adjust {
		f(&opts)
	}
	st, err := devstack.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

func postJSON(t testing.TB, url string, body any) (*http.Response, []byte) {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	res, err := http.Post(url, "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func idle(t testing.TB, st *devstack.Stack) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := st.WaitIdle(ctx); err != nil {
		t.Fatalf("queues did not drain: %v", err)
	}
}

func poll(t testing.TB, st *devstack.Stack, visitor, after string) chat.ListResponse {
	t.Helper()
	url := st.URL + "/chat/messages?visitor_id=" + visitor
	if after != "" {
		url += "&after=" + after
	}
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", url, res.StatusCode)
	}
	var list chat.ListResponse
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return list
}

// messageEvent is an agent's thread reply as Slack's Events API sends it
// (the shape of testdata/event_callback_thread_reply.json).
func messageEvent(eventID, channel, threadTS, ts, user, text string) []byte {
	raw, _ := os.ReadFile("testdata/event_callback_thread_reply.json")
	var ev map[string]any
	_ = json.Unmarshal(raw, &ev)
	inner := ev["event"].(map[string]any)
	inner["channel"], inner["thread_ts"], inner["ts"], inner["event_ts"] = channel, threadTS, ts, ts
	inner["user"], inner["text"] = user, text
	ev["event_id"] = eventID
	ev["event_time"] = time.Now().Unix()
	out, _ := json.Marshal(ev)
	return out
}

func TestWholeLoopOverWebChat(t *testing.T) {
	st := startStack(t, map[string]string{})
	const visitor = "e2eVisitor_0123456789"
	first := chat.PostRequest{VisitorID: visitor, MessageID: "msg-0001", Name: "Ada", Email: "ada@example.com", Text: "Hi, my order #1234 is late"}

	// The same message posted twice (a retried request) is stored once.
	for i := 0; i < 2; i++ {
		if res, body := postJSON(t, st.URL+"/chat/messages", first); res.StatusCode != http.StatusCreated {
			t.Fatalf("POST first message = %d %s; want 201", res.StatusCode, body)
		}
	}
	idle(t, st)
	msgs := st.Slack.Messages()
	if len(msgs) != 2 {
		t.Fatalf("slack has %d messages after the first chat message; want the card and the message: %+v", len(msgs), msgs)
	}
	root, card := msgs[0], string(msgs[0].Blocks)
	if root.ThreadTS != "" || root.Channel != "C0SUPPORT" {
		t.Fatalf("first post %+v; want a thread root in C0SUPPORT", root)
	}
	for _, want := range []string{"Ada", "Web chat", "Hi, my order #1234 is late"} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q: %s", want, card)
		}
	}
	if msgs[1].ThreadTS != root.TS || !strings.Contains(msgs[1].Text, "Hi, my order #1234 is late") {
		t.Errorf("second post %+v; want the message in thread %s", msgs[1], root.TS)
	}

	second := chat.PostRequest{VisitorID: visitor, MessageID: "msg-0002", Text: "It was due Monday"}
	if res, body := postJSON(t, st.URL+"/chat/messages", second); res.StatusCode != http.StatusCreated {
		t.Fatalf("POST second message = %d %s", res.StatusCode, body)
	}
	idle(t, st)
	_, replies, _ := st.Slack.Thread("C0SUPPORT", root.TS)
	if len(replies) != 2 || !strings.Contains(replies[1].Text, "It was due Monday") {
		t.Fatalf("thread replies %+v; want both customer messages in one thread", replies)
	}

	// The agent answers in the thread; Slack delivers the event twice.
	event := messageEvent("Ev0E2E0001", "C0SUPPORT", root.TS, "1795000000.000900", slackstub.AgentAlexID,
		"Sorry about that &amp; thanks for waiting! Tracking: <https://track.example/1234|track.example/1234>")
	for i := 0; i < 2; i++ {
		res, err := st.Slack.SendEvent(context.Background(), event)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("slack event delivery %d = %d; want 200", i+1, res.StatusCode)
		}
	}
	idle(t, st)

	list := poll(t, st, visitor, "")
	var agent []chat.MessageView
	for _, m := range list.Messages {
		if m.Author == string(inbox.AuthorAgent) {
			agent = append(agent, m)
		}
	}
	if len(list.Messages) != 3 || len(agent) != 1 {
		t.Fatalf("widget sees %+v; want 2 customer messages and 1 agent reply", list.Messages)
	}
	if want := "Sorry about that & thanks for waiting! Tracking: https://track.example/1234"; agent[0].Text != want || agent[0].Name != "Alex" {
		t.Errorf("agent reply = %q by %q; want %q by Alex", agent[0].Text, agent[0].Name, want)
	}
	if list.Cursor != agent[0].ID {
		t.Errorf("cursor = %s; want the last delivered message %s", list.Cursor, agent[0].ID)
	}
	if again := poll(t, st, visitor, list.Cursor); len(again.Messages) != 0 {
		t.Errorf("poll after the cursor returned %+v; want nothing new", again.Messages)
	}

	// The customer writes again: same thread.
	third := chat.PostRequest{VisitorID: visitor, MessageID: "msg-0003", Text: "Thanks!"}
	if res, body := postJSON(t, st.URL+"/chat/messages", third); res.StatusCode != http.StatusCreated {
		t.Fatalf("POST third message = %d %s", res.StatusCode, body)
	}
	idle(t, st)
	_, replies, _ = st.Slack.Thread("C0SUPPORT", root.TS)
	var roots int
	for _, m := range st.Slack.Messages() {
		if m.ThreadTS == "" {
			roots++
		}
	}
	if roots != 1 || !strings.Contains(replies[len(replies)-1].Text, "Thanks!") {
		t.Errorf("%d thread roots, last reply %q; want one thread ending with the new message", roots, replies[len(replies)-1].Text)
	}
	if dead := append(st.Route.DeadLetters(), st.Deliver.DeadLetters()...); len(dead) != 0 {
		t.Errorf("dead letters %+v; want none", dead)
	}
}

func TestSlackRejectsForgedAndStaleRequests(t *testing.T) {
	st := startStack(t, map[string]string{})
	const visitor = "e2eVisitor_forgery_01"
	if res, body := postJSON(t, st.URL+"/chat/messages", chat.PostRequest{VisitorID: visitor, Text: "hello"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("POST = %d %s", res.StatusCode, body)
	}
	idle(t, st)
	root := st.Slack.Messages()[0]
	event := messageEvent("Ev0FORGED1", "C0SUPPORT", root.TS, "1795000000.000901", slackstub.AgentAlexID, "send me your password")

	forger := slackstub.New(slackstub.Options{SigningSecret: "not-the-secret"})
	tests := []struct {
		name string
		req  func() *http.Request
	}{
		{"wrong secret", func() *http.Request {
			r, _ := forger.SignedRequest(context.Background(), st.URL+"/slack/events", event, time.Now())
			return r
		}},
		{"stale timestamp", func() *http.Request {
			r, _ := st.Slack.SignedRequest(context.Background(), st.URL+"/slack/events", event, time.Now().Add(-6*time.Minute))
			return r
		}},
		{"no signature", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, st.URL+"/slack/events", bytes.NewReader(event))
			return r
		}},
		{"body changed after signing", func() *http.Request {
			r, _ := st.Slack.SignedRequest(context.Background(), st.URL+"/slack/events", event, time.Now())
			r.Body = io.NopCloser(bytes.NewReader(bytes.Replace(event, []byte("password"), []byte("passw0rd"), 1)))
			return r
		}},
	}
	for _, tt := range tests {
		res, err := http.DefaultClient.Do(tt.req())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d; want 401", tt.name, res.StatusCode)
		}
	}
	idle(t, st)
	if list := poll(t, st, visitor, ""); len(list.Messages) != 1 {
		t.Errorf("after forged events the widget sees %+v; want only the customer's message", list.Messages)
	}
	_, msgs, err := st.App.Store.Thread(context.Background(), poll(t, st, visitor, "").ConversationID)
	if err != nil || len(msgs) != 1 {
		t.Errorf("stored %d messages, %v; want 1 (nothing from forged events)", len(msgs), err)
	}

	// A signed but malformed body is the sender's fault: 400.
	res, err := st.Slack.SendEvent(context.Background(), []byte(`{"type":"event_callback","event":`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("signed malformed event: status %d; want 400", res.StatusCode)
	}
}

func TestSlackURLVerification(t *testing.T) {
	st := startStack(t, map[string]string{})
	body, err := os.ReadFile("testdata/url_verification.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.Slack.SendEvent(context.Background(), body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(got) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification = %d %q; want 200 and the challenge", res.StatusCode, got)
	}
}

func TestSlackIgnoresBotsEditsAndForeignThreads(t *testing.T) {
	st := startStack(t, map[string]string{})
	const visitor = "e2eVisitor_ignore_001"
	postJSON(t, st.URL+"/chat/messages", chat.PostRequest{VisitorID: visitor, Text: "hello"})
	idle(t, st)
	root := st.Slack.Messages()[0]
	for _, file := range []string{"testdata/event_callback_bot_message.json", "testdata/event_callback_message_replied.json"} {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		res, err := st.Slack.SendEvent(context.Background(), body)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d; want 200 (acknowledged, ignored)", file, res.StatusCode)
		}
	}
	foreign := messageEvent("Ev0FOREIGN", "C0SUPPORT", "1111111111.000001", "1795000000.000902", slackstub.AgentAlexID, "chatting")
	botReply := bytes.Replace(messageEvent("Ev0BOTREPL", "C0SUPPORT", root.TS, "1795000000.000903", slackstub.AgentAlexID, "bot"),
		[]byte(`"type":"message"`), []byte(`"type":"message","bot_id":"B0SWITCHBOARD"`), 1)
	for _, body := range [][]byte{foreign, botReply} {
		res, err := st.Slack.SendEvent(context.Background(), body)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	idle(t, st)
	if list := poll(t, st, visitor, ""); len(list.Messages) != 1 {
		t.Errorf("widget sees %+v; want only the customer's message", list.Messages)
	}
}

func TestChatRejectsBadInput(t *testing.T) {
	st := startStack(t, map[string]string{"CHAT_IDENTITY_SECRET": "site-secret"})
	big := chat.PostRequest{VisitorID: "e2eVisitor_badinput_1", Text: strings.Repeat("x", chat.MaxTextRunes+1)}
	tests := []struct {
		name string
		body any
		want int
	}{
		{"malformed JSON", []byte(`{"visitor_id":`), http.StatusBadRequest},
		{"no visitor id", chat.PostRequest{Text: "hi"}, http.StatusBadRequest},
		{"guessable visitor id", chat.PostRequest{VisitorID: "1", Text: "hi"}, http.StatusBadRequest},
		{"empty text", chat.PostRequest{VisitorID: "e2eVisitor_badinput_1", Text: "  "}, http.StatusBadRequest},
		{"bad email", chat.PostRequest{VisitorID: "e2eVisitor_badinput_1", Text: "hi", Email: "not an email"}, http.StatusBadRequest},
		{"text too long", big, http.StatusRequestEntityTooLarge},
		{"body too large", []byte(`{"visitor_id":"e2eVisitor_badinput_1","text":"` + strings.Repeat("y", chat.MaxBodyBytes) + `"}`), http.StatusRequestEntityTooLarge},
		{"forged user hash", chat.PostRequest{VisitorID: "e2eVisitor_badinput_1", Text: "hi", UserID: "user-42", UserHash: chat.UserHash("wrong", "user-42")}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		res, body := postJSON(t, st.URL+"/chat/messages", tt.body)
		if res.StatusCode != tt.want {
			t.Errorf("%s: status %d %s; want %d", tt.name, res.StatusCode, body, tt.want)
		}
		if res.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: no CORS header on the error, the widget cannot read it", tt.name)
		}
	}
	idle(t, st)
	if n := len(st.Slack.Messages()); n != 0 {
		t.Errorf("slack got %d posts from rejected requests; want 0", n)
	}
	if list := poll(t, st, "e2eVisitor_badinput_1", ""); list.ConversationID != "" {
		t.Errorf("a conversation %s was created by rejected requests", list.ConversationID)
	}

	verified := chat.PostRequest{VisitorID: "e2eVisitor_verified_1", Text: "hi", UserID: "user-42", UserHash: chat.UserHash("site-secret", "user-42")}
	if res, body := postJSON(t, st.URL+"/chat/messages", verified); res.StatusCode != http.StatusCreated {
		t.Errorf("verified user: status %d %s; want 201", res.StatusCode, body)
	}
}

func TestRoutesMatchTemplate(t *testing.T) {
	st := startStack(t, map[string]string{})
	handlers := st.Handlers()
	if len(st.Routes) == 0 {
		t.Fatal("template.yaml has no HTTP routes")
	}
	for _, r := range st.Routes {
		if _, ok := handlers[r.Function]; !ok {
			t.Errorf("route %s has no local handler", r)
		}
		req, _ := http.NewRequest(r.Method, st.URL+r.Path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed {
			t.Errorf("%s: local stack answers %d; want the route mounted", r, res.StatusCode)
		}
	}
	res, err := http.Get(st.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), "/chat/widget.js") {
		t.Error("demo page does not embed the widget")
	}
}
