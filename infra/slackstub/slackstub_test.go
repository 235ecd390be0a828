package slackstub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/switchboard-inbox/switchboard/infra/slackstub"
)

const secret = "test-signing-secret"

// newStub starts the stand-in and returns it with a slack-go client aimed at it.
func newStub(t *testing.T, opts slackstub.Options) (*slackstub.Server, *httptest.Server, *slack.Client) {
	t.Helper()
	stub := slackstub.New(opts)
	srv := httptest.NewServer(stub.Handler())
	t.Cleanup(srv.Close)
	return stub, srv, slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"))
}

// receivedEvent is one request the fake app got.
type receivedEvent struct {
	path   string
	header http.Header
	body   []byte
}

// newApp starts a fake app that records events and answers with status and answer.
func newApp(t *testing.T, status int, answer string) (*httptest.Server, <-chan receivedEvent) {
	t.Helper()
	events := make(chan receivedEvent, 10)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading event: %v", err)
		}
		events <- receivedEvent{path: r.URL.Path, header: r.Header.Clone(), body: body}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(app.Close)
	return app, events
}

var supportBlocks = []slack.Block{
	slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "New conversation", false, false)),
	slack.NewSectionBlock(
		slack.NewTextBlockObject(slack.MarkdownType, "*Ada* wrote: my order is late", false, false),
		[]*slack.TextBlockObject{slack.NewTextBlockObject(slack.MarkdownType, "*Channel*\nemail", false, false)},
		nil,
	),
	slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, "conv_123", false, false)),
}

func TestSlackGoClientAgainstStub(t *testing.T) {
	stub, _, api := newStub(t, slackstub.Options{})
	ctx := t.Context()

	auth, err := api.AuthTestContext(ctx)
	if err != nil {
		t.Fatalf("AuthTest: %v", err)
	}
	if auth.UserID != "U0SWITCHBOARD" || auth.BotID != slackstub.BotID || auth.TeamID != "T0LOCAL" {
		t.Errorf("AuthTest = %+v, want the default bot user, bot and team", auth)
	}

	channel, rootTS, err := api.PostMessageContext(ctx, "C0SUPPORT",
		slack.MsgOptionText("New conversation from Ada", false),
		slack.MsgOptionBlocks(supportBlocks...),
	)
	if err != nil {
		t.Fatalf("PostMessage root: %v", err)
	}
	if channel != "C0SUPPORT" || rootTS == "" {
		t.Fatalf("PostMessage root = %q, %q", channel, rootTS)
	}
	_, replyTS, err := api.PostMessageContext(ctx, "C0SUPPORT",
		slack.MsgOptionText("Where is my order?", false),
		slack.MsgOptionTS(rootTS),
		slack.MsgOptionUsername("Ada (customer)"),
		slack.MsgOptionIconEmoji(":bust_in_silhouette:"),
	)
	if err != nil {
		t.Fatalf("PostMessage reply: %v", err)
	}

	root, replies, ok := stub.Thread("C0SUPPORT", rootTS)
	if !ok || len(replies) != 1 {
		t.Fatalf("Thread = %+v, %+v, %v; want the root and one reply", root, replies, ok)
	}
	var blocks slack.Blocks
	if err := json.Unmarshal(root.Blocks, &blocks); err != nil || len(blocks.BlockSet) != 3 {
		t.Errorf("root blocks = %s (%v), want the 3 blocks posted", root.Blocks, err)
	}
	if root.BotID != slackstub.BotID || root.User != "U0SWITCHBOARD" || root.ThreadTS != "" {
		t.Errorf("root = %+v, want a bot post outside any thread", root)
	}
	reply := replies[0]
	if reply.TS != replyTS || reply.ThreadTS != rootTS || reply.Username != "Ada (customer)" || reply.IconEmoji != ":bust_in_silhouette:" {
		t.Errorf("reply = %+v, want it threaded under %s with the custom username and icon", reply, rootTS)
	}

	if _, _, _, err := api.UpdateMessageContext(ctx, "C0SUPPORT", rootTS, slack.MsgOptionText("Conversation closed", false)); err != nil {
		t.Fatalf("UpdateMessage: %v", err)
	}
	if root, _, _ := stub.Thread("C0SUPPORT", rootTS); root.Text != "Conversation closed" || root.Updated != 1 || len(root.Blocks) == 0 {
		t.Errorf("updated root = %+v, want new text, Updated 1 and the blocks kept", root)
	}

	ref := slack.NewRefToMessage("C0SUPPORT", rootTS)
	if err := api.AddReactionContext(ctx, "white_check_mark", ref); err != nil {
		t.Fatalf("AddReaction: %v", err)
	}
	if err := api.AddReactionContext(ctx, "eyes", ref); err != nil {
		t.Fatalf("AddReaction: %v", err)
	}
	if err := api.RemoveReactionContext(ctx, "white_check_mark", ref); err != nil {
		t.Fatalf("RemoveReaction: %v", err)
	}
	if root, _, _ := stub.Thread("C0SUPPORT", rootTS); strings.Join(root.Reactions, ",") != "eyes" {
		t.Errorf("reactions = %v, want [eyes]", root.Reactions)
	}

	user, err := api.GetUserInfoContext(ctx, slackstub.AgentAlexID)
	if err != nil {
		t.Fatalf("GetUserInfo: %v", err)
	}
	if user.ID != slackstub.AgentAlexID || user.RealName != "Alex Agent" || user.Profile.DisplayName != "Alex" || user.IsBot {
		t.Errorf("GetUserInfo = %+v, want Alex Agent", user)
	}

	ephemeralTS, err := api.PostEphemeralContext(ctx, "C0SUPPORT", slackstub.AgentSamID,
		slack.MsgOptionText("Only you can see this", false), slack.MsgOptionTS(rootTS))
	if err != nil {
		t.Fatalf("PostEphemeral: %v", err)
	}
	if _, replies, _ := stub.Thread("C0SUPPORT", rootTS); len(replies) != 2 || !replies[1].Ephemeral ||
		replies[1].EphemeralUser != slackstub.AgentSamID || replies[1].TS != ephemeralTS {
		t.Errorf("replies = %+v, want the ephemeral message last", replies)
	}

	link, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C0SUPPORT", Ts: replyTS})
	if err != nil {
		t.Fatalf("GetPermalink: %v", err)
	}
	if !strings.HasSuffix(link, "/#msg-C0SUPPORT-"+replyTS) {
		t.Errorf("permalink = %q, want the page with the message's anchor", link)
	}

	if n := stub.Calls("chat.postMessage"); n != 2 {
		t.Errorf("Calls(chat.postMessage) = %d, want 2", n)
	}
}

func TestSlackGoErrors(t *testing.T) {
	stub, srv, api := newStub(t, slackstub.Options{})
	ctx := t.Context()
	_, rootTS, err := api.PostMessageContext(ctx, "C0SUPPORT", slack.MsgOptionText("root", false))
	if err != nil {
		t.Fatal(err)
	}
	stub.FailNext("chat.postMessage", "channel_not_found")

	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"FailNext", func() error {
			_, _, err := api.PostMessageContext(ctx, "C0SUPPORT", slack.MsgOptionText("x", false))
			return err
		}, "channel_not_found"},
		{"FailNext is used once", func() error {
			_, _, err := api.PostMessageContext(ctx, "C0SUPPORT", slack.MsgOptionText("x", false))
			return err
		}, ""},
		{"update unknown message", func() error {
			_, _, _, err := api.UpdateMessageContext(ctx, "C0SUPPORT", "1.000001", slack.MsgOptionText("x", false))
			return err
		}, "message_not_found"},
		{"reply to unknown thread", func() error {
			_, _, err := api.PostMessageContext(ctx, "C0SUPPORT", slack.MsgOptionText("x", false), slack.MsgOptionTS("1.000001"))
			return err
		}, "thread_not_found"},
		{"no text", func() error {
			_, _, err := api.PostMessageContext(ctx, "C0SUPPORT")
			return err
		}, "no_text"},
		{"react twice", func() error {
			ref := slack.NewRefToMessage("C0SUPPORT", rootTS)
			if err := api.AddReactionContext(ctx, "eyes", ref); err != nil {
				return err
			}
			return api.AddReactionContext(ctx, "eyes", ref)
		}, "already_reacted"},
		{"remove missing reaction", func() error {
			return api.RemoveReactionContext(ctx, "tada", slack.NewRefToMessage("C0SUPPORT", rootTS))
		}, "no_reaction"},
		{"unknown user", func() error {
			_, err := api.GetUserInfoContext(ctx, "U0NOBODY")
			return err
		}, "user_not_found"},
		{"missing token", func() error {
			_, err := slack.New("", slack.OptionAPIURL(srv.URL+"/api/")).AuthTestContext(ctx)
			return err
		}, "not_authed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if got := errString(err); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("ratelimited", func(t *testing.T) {
		stub.FailNext("users.info", "ratelimited")
		_, err := api.GetUserInfoContext(ctx, slackstub.AgentSamID)
		var limited *slack.RateLimitedError
		if !errors.As(err, &limited) || limited.RetryAfter != time.Second {
			t.Errorf("error = %v, want a RateLimitedError retrying after 1s", err)
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestRawWebAPI covers what slack-go never sends: JSON bodies, unknown methods.
func TestRawWebAPI(t *testing.T) {
	_, srv, _ := newStub(t, slackstub.Options{})
	tests := []struct {
		name        string
		method      string
		contentType string
		auth        string
		body        string
		wantStatus  int
		wantError   string
	}{
		{"JSON body with bearer token", "chat.postMessage", "application/json", "Bearer xoxb-test",
			`{"channel":"C1","text":"hi","blocks":[{"type":"divider"}]}`, http.StatusOK, ""},
		{"form body with token", "chat.postMessage", "application/x-www-form-urlencoded", "",
			"token=xoxb-test&channel=C1&text=hi", http.StatusOK, ""},
		{"blocks that are not an array", "chat.postMessage", "application/json", "Bearer xoxb-test",
			`{"channel":"C1","blocks":{"type":"divider"}}`, http.StatusOK, "invalid_blocks_format"},
		{"unknown method", "chat.fly", "application/x-www-form-urlencoded", "Bearer xoxb-test",
			"", http.StatusOK, "unknown_method"},
		{"no token", "auth.test", "application/x-www-form-urlencoded", "",
			"", http.StatusOK, "not_authed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/"+tt.method, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tt.contentType)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got struct {
				OK    bool   `json:"ok"`
				Error string `json:"error"`
				TS    string `json:"ts"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || got.Error != tt.wantError || got.OK != (tt.wantError == "") {
				t.Errorf("got %d %+v, want %d error %q", resp.StatusCode, got, tt.wantStatus, tt.wantError)
			}
			if got.OK && got.TS == "" {
				t.Error("successful post without ts")
			}
		})
	}
}

func TestTimestampsStrictlyIncreaseWithFrozenClock(t *testing.T) {
	frozen := time.Unix(1700000000, 100e3)
	_, _, api := newStub(t, slackstub.Options{Now: func() time.Time { return frozen }})
	var got []string
	for range 3 {
		_, ts, err := api.PostMessageContext(t.Context(), "C1", slack.MsgOptionText("x", false))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ts)
	}
	want := []string{"1700000000.000100", "1700000000.000101", "1700000000.000102"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ts = %v, want %v", got, want)
	}
}

func TestReplySendsSignedMessageEvent(t *testing.T) {
	app, events := newApp(t, http.StatusOK, "")
	stub, _, api := newStub(t, slackstub.Options{SigningSecret: secret, EventsURL: app.URL})
	_, rootTS, err := api.PostMessageContext(t.Context(), "C0SUPPORT", slack.MsgOptionText("New conversation", false))
	if err != nil {
		t.Fatal(err)
	}

	ts, err := stub.Reply(t.Context(), "C0SUPPORT", rootTS, slackstub.AgentAlexID, "Hi Ada, 2 < 3 & on its way")
	if err != nil {
		t.Fatalf("Reply: %v", err)
	}
	got := <-events

	verifier, err := slack.NewSecretsVerifier(got.header, secret)
	if err != nil {
		t.Fatalf("NewSecretsVerifier: %v", err)
	}
	if _, err := verifier.Write(got.body); err != nil {
		t.Fatal(err)
	}
	if err := verifier.Ensure(); err != nil {
		t.Fatalf("signature: %v", err)
	}

	outer, err := slackevents.ParseEvent(json.RawMessage(got.body), slackevents.OptionNoVerifyToken())
	if err != nil {
		t.Fatalf("ParseEvent: %v", err)
	}
	callback, ok := outer.Data.(*slackevents.EventsAPICallbackEvent)
	if outer.Type != slackevents.CallbackEvent || !ok {
		t.Fatalf("outer event = %s %T, want an event_callback", outer.Type, outer.Data)
	}
	if !strings.HasPrefix(callback.EventID, "Ev") || callback.APIAppID != slackstub.AppID || callback.TeamID != "T0LOCAL" ||
		len(callback.Authorizations) != 1 || callback.Authorizations[0].UserID != "U0SWITCHBOARD" {
		t.Errorf("callback = %+v", callback)
	}
	msg, ok := outer.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok {
		t.Fatalf("inner event is %T, want *slackevents.MessageEvent", outer.InnerEvent.Data)
	}
	want := slackevents.MessageEvent{
		Type: "message", User: slackstub.AgentAlexID, Text: "Hi Ada, 2 &lt; 3 &amp; on its way",
		ThreadTimeStamp: rootTS, TimeStamp: ts, EventTimeStamp: ts, Channel: "C0SUPPORT", ChannelType: "channel",
	}
	if msg.Type != want.Type || msg.User != want.User || msg.Text != want.Text || msg.ThreadTimeStamp != want.ThreadTimeStamp ||
		msg.TimeStamp != want.TimeStamp || msg.EventTimeStamp != want.EventTimeStamp || msg.Channel != want.Channel ||
		msg.ChannelType != want.ChannelType || msg.ClientMsgID == "" || msg.BotID != "" {
		t.Errorf("message event = %+v, want %+v", msg, want)
	}

	_, replies, _ := stub.Thread("C0SUPPORT", rootTS)
	if len(replies) != 1 || replies[0].User != slackstub.AgentAlexID || replies[0].BotID != "" || replies[0].TS != ts {
		t.Errorf("replies = %+v, want the agent's reply recorded", replies)
	}
}

func TestReplyReportsRejection(t *testing.T) {
	app, _ := newApp(t, http.StatusUnauthorized, "invalid signature")
	stub, srv, api := newStub(t, slackstub.Options{SigningSecret: secret, EventsURL: app.URL})
	_, rootTS, err := api.PostMessageContext(t.Context(), "C0SUPPORT", slack.MsgOptionText("root", false))
	if err != nil {
		t.Fatal(err)
	}

	ts, err := stub.Reply(t.Context(), "C0SUPPORT", rootTS, slackstub.AgentSamID, "hello")
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "invalid signature") {
		t.Errorf("Reply error = %v, want the app's status and answer", err)
	}
	if ts == "" {
		t.Error("Reply returned no ts; the message stays in the thread as in Slack")
	}

	var state struct {
		Channels []struct {
			Threads []struct {
				Replies []struct {
					DeliveryError string `json:"delivery_error"`
				} `json:"replies"`
			} `json:"threads"`
		} `json:"channels"`
	}
	getJSON(t, srv.URL+"/threads.json", &state)
	if got := state.Channels[0].Threads[0].Replies[0].DeliveryError; !strings.Contains(got, "401") {
		t.Errorf("delivery_error = %q, want the rejection shown on the page", got)
	}
}

func TestReplyEndpoint(t *testing.T) {
	app, events := newApp(t, http.StatusOK, "")
	_, srv, api := newStub(t, slackstub.Options{SigningSecret: secret, EventsURL: app.URL})
	_, rootTS, err := api.PostMessageContext(t.Context(), "C0SUPPORT", slack.MsgOptionText("root", false))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		body       string
		wantStatus int
	}{
		{"reply", `{"channel":"C0SUPPORT","thread_ts":"` + rootTS + `","user":"U0AGENT1","text":"On it"}`, http.StatusOK},
		{"unknown thread", `{"channel":"C0SUPPORT","thread_ts":"1.000001","user":"U0AGENT1","text":"On it"}`, http.StatusBadRequest},
		{"empty text", `{"channel":"C0SUPPORT","thread_ts":"` + rootTS + `","user":"U0AGENT1","text":"  "}`, http.StatusBadRequest},
		{"not JSON", `channel=C0SUPPORT`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL+"/reply", "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var answer struct {
				OK    bool   `json:"ok"`
				TS    string `json:"ts"`
				Error string `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || answer.OK != (tt.wantStatus == http.StatusOK) {
				t.Errorf("got %d %+v, want %d", resp.StatusCode, answer, tt.wantStatus)
			}
			if answer.OK && answer.TS == "" || !answer.OK && answer.Error == "" {
				t.Errorf("answer %+v lacks a ts or a reason", answer)
			}
		})
	}
	if len(events) != 1 {
		t.Errorf("app got %d events, want 1", len(events))
	}
}

func TestSendEventDeliversSameBytesTwice(t *testing.T) {
	app, events := newApp(t, http.StatusOK, "")
	stub := slackstub.New(slackstub.Options{SigningSecret: secret, EventsURL: app.URL})
	body := []byte(`{"type":"event_callback","event_id":"Ev0DUPLICATE","event":{"type":"message"}}`)
	for range 2 {
		resp, err := stub.SendEvent(t.Context(), body)
		if err != nil {
			t.Fatalf("SendEvent: %v", err)
		}
		resp.Body.Close()
	}
	for range 2 {
		got := <-events
		if !bytes.Equal(got.body, body) {
			t.Errorf("body = %s, want it unchanged", got.body)
		}
		verifier, err := slack.NewSecretsVerifier(got.header, secret)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = verifier.Write(got.body)
		if err := verifier.Ensure(); err != nil {
			t.Errorf("signature: %v", err)
		}
	}
}

// TestSignedRequestMatchesSlackVector checks the signing against Slack's
// documented example (fixtures/slack/slash_command.signature_vector.json).
func TestSignedRequestMatchesSlackVector(t *testing.T) {
	const body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	stub := slackstub.New(slackstub.Options{SigningSecret: "8f742231b10e8888abcd99yyyzzz85a5"})
	req, err := stub.SignedRequest(context.Background(), "http://app.invalid/slack/commands", []byte(body), time.Unix(1531420618, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("X-Slack-Request-Timestamp"); got != "1531420618" {
		t.Errorf("timestamp = %q", got)
	}
	if got, want := req.Header.Get("X-Slack-Signature"), "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"; got != want {
		t.Errorf("signature = %q, want %q", got, want)
	}
}

func TestThreadsJSONServesTextVerbatim(t *testing.T) {
	_, srv, api := newStub(t, slackstub.Options{})
	const text = "<!channel> <@U0AGENT1> see <https://example.com|this> &lt;script&gt;alert(1)&lt;/script&gt;"
	_, rootTS, err := api.PostMessageContext(t.Context(), "C0SUPPORT", slack.MsgOptionText(text, false))
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		People   []struct{ ID string } `json:"people"`
		Channels []struct {
			ID      string `json:"id"`
			Threads []struct {
				Root struct {
					TS, Text, Kind, Author string
				} `json:"root"`
			} `json:"threads"`
		} `json:"channels"`
	}
	getJSON(t, srv.URL+"/threads.json", &state)
	if len(state.Channels) != 1 || len(state.Channels[0].Threads) != 1 {
		t.Fatalf("state = %+v, want one channel with one thread", state)
	}
	root := state.Channels[0].Threads[0].Root
	if root.Text != text || root.TS != rootTS || root.Kind != "bot" || root.Author != "Switchboard" {
		t.Errorf("root = %+v, want the text unchanged from a bot post", root)
	}
	if len(state.People) != 3 {
		t.Errorf("people = %+v, want Alex, Sam and Casey", state.People)
	}
}

func TestThreadsNewestFirst(t *testing.T) {
	_, srv, api := newStub(t, slackstub.Options{})
	var roots []string
	for _, text := range []string{"first", "second"} {
		_, ts, err := api.PostMessageContext(t.Context(), "C0SUPPORT", slack.MsgOptionText(text, false))
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, ts)
	}
	if _, _, err := api.PostMessageContext(t.Context(), "C0SUPPORT", slack.MsgOptionText("reply", false), slack.MsgOptionTS(roots[0])); err != nil {
		t.Fatal(err)
	}
	var state struct {
		Channels []struct {
			Threads []struct {
				Root    struct{ TS string } `json:"root"`
				Replies []struct{ Text string }
			} `json:"threads"`
		} `json:"channels"`
	}
	getJSON(t, srv.URL+"/threads.json", &state)
	threads := state.Channels[0].Threads
	if len(threads) != 2 || threads[0].Root.TS != roots[1] || threads[1].Root.TS != roots[0] || len(threads[1].Replies) != 1 {
		t.Errorf("threads = %+v, want the second root first and the reply under the first", threads)
	}
}

func TestMountedUnderPrefix(t *testing.T) {
	stub := slackstub.New(slackstub.Options{})
	mux := http.NewServeMux()
	mux.Handle("/dev/slack/", http.StripPrefix("/dev/slack", stub.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/dev/slack")
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.Request.URL.Path != "/dev/slack/" || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(page), "replies here are sent to the app as signed Slack events") {
		t.Errorf("GET /dev/slack ended at %s with %s, want the page", resp.Request.URL, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'sha256-") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}

	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/dev/slack/api/"))
	_, ts, err := api.PostMessage("C0SUPPORT", slack.MsgOptionText("hi", false))
	if err != nil {
		t.Fatal(err)
	}
	link, err := api.GetPermalink(&slack.PermalinkParameters{Channel: "C0SUPPORT", Ts: ts})
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + "/dev/slack/#msg-C0SUPPORT-" + ts; link != want {
		t.Errorf("permalink = %q, want %q", link, want)
	}
}

func TestConcurrentUse(t *testing.T) {
	app, _ := newApp(t, http.StatusOK, "")
	stub, srv, api := newStub(t, slackstub.Options{SigningSecret: secret, EventsURL: app.URL})
	_, rootTS, err := api.PostMessage("C0SUPPORT", slack.MsgOptionText("root", false))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if _, _, err := api.PostMessage("C0SUPPORT", slack.MsgOptionText("bot", false), slack.MsgOptionTS(rootTS)); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if _, err := stub.Reply(context.Background(), "C0SUPPORT", rootTS, slackstub.AgentAlexID, "agent"); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			_ = api.AddReaction("eyes", slack.NewRefToMessage("C0SUPPORT", rootTS))
			_ = api.RemoveReaction("eyes", slack.NewRefToMessage("C0SUPPORT", rootTS))
		})
		wg.Go(func() {
			var state map[string]any
			getJSON(t, srv.URL+"/threads.json", &state)
			_ = stub.Messages()
		})
	}
	wg.Wait()
	msgs := stub.Messages()
	if len(msgs) != 11 {
		t.Fatalf("got %d messages, want 11", len(msgs))
	}
	for i := 1; i < len(msgs); i++ {
		if msgs[i].TS <= msgs[i-1].TS {
			t.Errorf("ts %s after %s: not increasing", msgs[i].TS, msgs[i-1].TS)
		}
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Errorf("decoding %s: %v", url, err)
	}
}
