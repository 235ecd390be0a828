package slackstub_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/switchboard-inbox/switchboard/infra/slackstub"
)

// appAnswer is how the fake app answers requests to one path.
type appAnswer struct {
	status int
	body   string
}

// fixture is the stand-in mounted under /dev/slack, as make dev mounts it,
// with a fake app behind EventsURL (/events), InteractionsURL
// (/interactions) and CommandsURL (/commands).
type fixture struct {
	stub *slackstub.Server
	base string // the stand-in's own URL
	api  *slack.Client
	app  chan receivedEvent
}

// newFixture starts the stand-in and the fake app, which answers each path
// as answers says and 200 with an empty body otherwise.
func newFixture(t *testing.T, opts slackstub.Options, answers map[string]appAnswer) fixture {
	t.Helper()
	received := make(chan receivedEvent, 50)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading request: %v", err)
		}
		received <- receivedEvent{path: r.URL.Path, header: r.Header.Clone(), body: body}
		answer, ok := answers[r.URL.Path]
		if !ok {
			answer = appAnswer{status: http.StatusOK}
		}
		if strings.HasPrefix(answer.body, "{") {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(answer.status)
		_, _ = io.WriteString(w, answer.body)
	}))
	t.Cleanup(app.Close)

	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	opts.SigningSecret = secret
	opts.EventsURL = app.URL + "/events"
	opts.InteractionsURL = app.URL + "/interactions"
	opts.CommandsURL = app.URL + "/commands"
	opts.BaseURL = srv.URL + "/dev/slack"
	stub := slackstub.New(opts)
	mux.Handle("/dev/slack/", http.StripPrefix("/dev/slack", stub.Handler()))
	return fixture{stub: stub, base: srv.URL + "/dev/slack", api: slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/dev/slack/api/")), app: received}
}

// next returns the next request the app got, checking that Slack's signing
// secret verifies it.
func (f fixture) next(t *testing.T) receivedEvent {
	t.Helper()
	select {
	case got := <-f.app:
		verifier, err := slack.NewSecretsVerifier(got.header, secret)
		if err != nil {
			t.Fatalf("NewSecretsVerifier: %v", err)
		}
		_, _ = verifier.Write(got.body)
		if err := verifier.Ensure(); err != nil {
			t.Fatalf("signature of request to %s: %v", got.path, err)
		}
		return got
	default:
		t.Fatal("the app got no request")
		return receivedEvent{}
	}
}

// nothingSent fails if the app got a request.
func (f fixture) nothingSent(t *testing.T) {
	t.Helper()
	select {
	case got := <-f.app:
		t.Errorf("the app got %s %s, want nothing", got.path, got.body)
	default:
	}
}

// interaction parses an interaction request as an app does with slack-go.
func interaction(t *testing.T, got receivedEvent) slack.InteractionCallback {
	t.Helper()
	if got.path != "/interactions" || got.header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("request went to %s as %s, want a form to /interactions", got.path, got.header.Get("Content-Type"))
	}
	req := httptest.NewRequest(http.MethodPost, "/slack/interactions", bytes.NewReader(got.body))
	req.Header = got.header
	ic, err := slack.InteractionCallbackParse(req)
	if err != nil {
		t.Fatalf("InteractionCallbackParse: %v", err)
	}
	return ic
}

// innerEvent parses an Events API request as an app does with slack-go.
func innerEvent(t *testing.T, got receivedEvent) any {
	t.Helper()
	if got.path != "/events" || got.header.Get("Content-Type") != "application/json" {
		t.Errorf("request went to %s as %s, want JSON to /events", got.path, got.header.Get("Content-Type"))
	}
	outer, err := slackevents.ParseEvent(json.RawMessage(got.body), slackevents.OptionNoVerifyToken())
	if err != nil {
		t.Fatalf("ParseEvent: %v", err)
	}
	callback, ok := outer.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || !strings.HasPrefix(callback.EventID, "Ev") || callback.APIAppID != slackstub.AppID {
		t.Errorf("outer event = %+v, want an event_callback with an event id", outer.Data)
	}
	return outer.InnerEvent.Data
}

func plain(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, false, false)
}

func opt(value, text string) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(value, plain(text), nil)
}

// cardBlocks is a conversation card like the app's: a section with an
// accessory button that has no block_id, and an actions block.
var cardBlocks = []slack.Block{
	slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Ada* wrote: my order is late", false, false), nil,
		slack.NewAccessory(slack.NewButtonBlockElement("open", "conv_1", plain("Open")))),
	slack.NewActionBlock("card_actions",
		slack.NewButtonBlockElement("assign", "conv_1", plain("Assign to me")).WithStyle(slack.StylePrimary),
		slack.NewButtonBlockElement("resolve", "conv_1", plain("Resolve")).WithStyle(slack.StyleDanger),
		slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Snooze"), "snooze", opt("1h", "1 hour"), opt("tomorrow", "Tomorrow")),
		slack.NewOverflowBlockElement("more", opt("spam", "Mark as spam")),
	),
}

// postCard posts the card as the app would and returns its ts.
func (f fixture) postCard(t *testing.T) string {
	t.Helper()
	_, ts, err := f.api.PostMessageContext(t.Context(), "C0SUPPORT", slack.MsgOptionText("New conversation", false), slack.MsgOptionBlocks(cardBlocks...))
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}
	return ts
}

func TestClickSendsBlockActions(t *testing.T) {
	tests := []struct {
		name, actionID, value    string
		wantType, wantBlockID    string
		wantValue, wantSelection string
	}{
		{"button with its value", "assign", "conv_1", "button", "card_actions", "conv_1", ""},
		{"button whatever its value", "resolve", "", "button", "card_actions", "conv_1", ""},
		{"static_select option", "snooze", "tomorrow", "static_select", "card_actions", "", "tomorrow"},
		{"overflow option", "more", "spam", "overflow", "card_actions", "", "spam"},
		{"section accessory", "open", "conv_1", "button", "", "conv_1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, slackstub.Options{}, nil)
			ts := f.postCard(t)

			resp, err := f.stub.Click(t.Context(), "C0SUPPORT", ts, slackstub.AgentAlexID, tt.actionID, tt.value)
			if err != nil || resp.Status != http.StatusOK {
				t.Fatalf("Click = %+v, %v", resp, err)
			}
			ic := interaction(t, f.next(t))
			if ic.Type != slack.InteractionTypeBlockActions || ic.User.ID != slackstub.AgentAlexID || ic.User.Name != "alex" ||
				ic.User.TeamID != "T0LOCAL" || ic.APIAppID != slackstub.AppID || ic.Token == "" || ic.TriggerID == "" ||
				ic.Team.ID != "T0LOCAL" || ic.Team.Domain == "" || ic.Channel.ID != "C0SUPPORT" || ic.Channel.Name == "" {
				t.Errorf("payload = %+v", ic)
			}
			if c := ic.Container; c.Type != "message" || c.MessageTs != ts || c.ChannelID != "C0SUPPORT" || c.IsEphemeral {
				t.Errorf("container = %+v, want the message %s", c, ts)
			}
			if m := ic.Message; m.Timestamp != ts || m.Text != "New conversation" || m.BotID != slackstub.BotID ||
				m.User != "U0SWITCHBOARD" || len(m.Blocks.BlockSet) != 2 {
				t.Errorf("message = %+v, want the card as stored", m.Msg)
			}
			if !strings.HasPrefix(ic.ResponseURL, f.base+"/response/") {
				t.Errorf("response_url = %q, want it under %s", ic.ResponseURL, f.base)
			}
			if ic.BlockActionState == nil {
				t.Error("state is missing")
			}
			if len(ic.ActionCallback.BlockActions) != 1 {
				t.Fatalf("actions = %+v, want one", ic.ActionCallback)
			}
			a := ic.ActionCallback.BlockActions[0]
			if a.ActionID != tt.actionID || string(a.Type) != tt.wantType || a.Value != tt.wantValue ||
				a.SelectedOption.Value != tt.wantSelection || a.ActionTs == "" || a.BlockID == "" {
				t.Errorf("action = %+v, want %s %s value %q option %q", a, tt.actionID, tt.wantType, tt.wantValue, tt.wantSelection)
			}
			if tt.wantBlockID != "" && a.BlockID != tt.wantBlockID {
				t.Errorf("block_id = %q, want %q", a.BlockID, tt.wantBlockID)
			}
			// A block posted without a block_id gets one, the same every time.
			if _, err := f.stub.Click(t.Context(), "C0SUPPORT", ts, slackstub.AgentSamID, tt.actionID, tt.value); err != nil {
				t.Fatal(err)
			}
			if again := interaction(t, f.next(t)).ActionCallback.BlockActions[0]; again.BlockID != a.BlockID {
				t.Errorf("block_id changed from %q to %q", a.BlockID, again.BlockID)
			}
		})
	}
}

// TestClickPayloadHasSlackFields compares the payload's fields with Slack's
// documented sample (testdata/block_actions.json).
func TestClickPayloadHasSlackFields(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	ts := f.postCard(t)
	if _, err := f.stub.Click(t.Context(), "C0SUPPORT", ts, slackstub.AgentAlexID, "assign", ""); err != nil {
		t.Fatal(err)
	}
	form, err := url.ParseQuery(string(f.next(t).body))
	if err != nil || len(form) != 1 {
		t.Fatalf("body = %v (%v), want only the payload field", form, err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(form.Get("payload")), &got); err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile("testdata/block_actions.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(sample, &want); err != nil {
		t.Fatal(err)
	}
	// The sample comes from an Enterprise Grid workspace; the stand-in is not one.
	delete(want["team"].(map[string]any), "enterprise_id")
	delete(want["team"].(map[string]any), "enterprise_name")
	for _, missing := range missingKeys(want, got, "") {
		t.Errorf("payload lacks %s", missing)
	}
	if got["container"].(map[string]any)["is_ephemeral"] != false {
		t.Errorf("container = %v, want is_ephemeral false", got["container"])
	}
}

// missingKeys lists the keys of want, recursively, that got lacks.
func missingKeys(want, got any, path string) []string {
	var missing []string
	switch w := want.(type) {
	case map[string]any:
		g, _ := got.(map[string]any)
		for key, value := range w {
			inner, ok := g[key]
			if !ok {
				missing = append(missing, path+"."+key)
				continue
			}
			missing = append(missing, missingKeys(value, inner, path+"."+key)...)
		}
	case []any:
		g, _ := got.([]any)
		if len(w) > 0 && len(g) > 0 {
			missing = append(missing, missingKeys(w[0], g[0], path+"[0]")...)
		}
	}
	slices.Sort(missing)
	return missing
}

func TestClickRefusesWhatIsNotOnTheMessage(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	ts := f.postCard(t)
	tests := []struct {
		name, ts, actionID, value string
		want                      string
	}{
		{"unknown action_id", ts, "reopen", "", `no element with action_id "reopen"`},
		{"button with another value", ts, "assign", "conv_2", `button "assign" has value "conv_1", not "conv_2"`},
		{"select without that option", ts, "snooze", "next_week", `static_select "snooze" has no option with value "next_week"`},
		{"select without a choice", ts, "snooze", "", `has no option with value ""`},
		{"unknown message", "1.000001", "assign", "", "no message 1.000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.stub.Click(t.Context(), "C0SUPPORT", tt.ts, slackstub.AgentAlexID, tt.actionID, tt.value)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Click error = %v, want %q", err, tt.want)
			}
			f.nothingSent(t)
		})
	}
}

func TestClickAnswersTheAppsStatus(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, map[string]appAnswer{"/interactions": {http.StatusUnauthorized, "bad signature"}})
	ts := f.postCard(t)
	resp, err := f.stub.Click(t.Context(), "C0SUPPORT", ts, slackstub.AgentAlexID, "assign", "")
	if err != nil || resp.Status != http.StatusUnauthorized || string(resp.Body) != "bad signature" {
		t.Errorf("Click = %d %q, %v; want the app's 401 and answer", resp.Status, resp.Body, err)
	}
}

func TestSendersNeedTheirURLs(t *testing.T) {
	stub := slackstub.New(slackstub.Options{})
	ctx := t.Context()
	calls := map[string]func() error{
		"Click": func() error {
			_, err := stub.Click(ctx, "C1", "1.000001", slackstub.AgentAlexID, "a", "")
			return err
		},
		"Command": func() error { _, err := stub.Command(ctx, slackstub.AgentAlexID, "C1", "/switchboard", ""); return err },
		"OpenHome": func() error {
			_, err := stub.OpenHome(ctx, slackstub.AgentAlexID)
			return err
		},
	}
	for name, call := range calls {
		if err := call(); err == nil || !strings.Contains(err.Error(), "URL") {
			t.Errorf("%s without its URL: error = %v, want the missing URL named", name, err)
		}
	}
}

// command runs a slash command as user and returns what the app got.
func (f fixture) command(t *testing.T, user, text string) slack.SlashCommand {
	t.Helper()
	if _, err := f.stub.Command(t.Context(), user, "C0SUPPORT", "/switchboard", text); err != nil {
		t.Fatalf("Command: %v", err)
	}
	got := f.next(t)
	req := httptest.NewRequest(http.MethodPost, "/slack/commands", bytes.NewReader(got.body))
	req.Header = got.header
	cmd, err := slack.SlashCommandParse(req)
	if err != nil {
		t.Fatalf("SlashCommandParse: %v", err)
	}
	return cmd
}

func TestCommandSendsSlashCommandForm(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	if _, err := f.stub.Command(t.Context(), slackstub.AgentSamID, "C0SUPPORT", "/switchboard", "help me & <you>"); err != nil {
		t.Fatal(err)
	}
	got := f.next(t)
	if got.path != "/commands" || got.header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("request went to %s as %s", got.path, got.header.Get("Content-Type"))
	}
	req := httptest.NewRequest(http.MethodPost, "/slack/commands", bytes.NewReader(got.body))
	req.Header = got.header
	cmd, err := slack.SlashCommandParse(req)
	if err != nil {
		t.Fatal(err)
	}
	want := slack.SlashCommand{
		Token: cmd.Token, TeamID: "T0LOCAL", TeamDomain: cmd.TeamDomain, ChannelID: "C0SUPPORT", ChannelName: cmd.ChannelName,
		UserID: slackstub.AgentSamID, UserName: "sam", Command: "/switchboard", Text: "help me & <you>",
		ResponseURL: cmd.ResponseURL, TriggerID: cmd.TriggerID, APIAppID: slackstub.AppID,
	}
	if cmd != want || cmd.Token == "" || cmd.TeamDomain == "" || cmd.ChannelName == "" || cmd.TriggerID == "" ||
		!strings.HasPrefix(cmd.ResponseURL, f.base+"/response/") {
		t.Errorf("command = %+v, want %+v with a token, names, trigger and response_url", cmd, want)
	}

	// The fields come in the order of Slack's sample (testdata/slash_command.body.txt).
	sample, err := os.ReadFile("testdata/slash_command.body.txt")
	if err != nil {
		t.Fatal(err)
	}
	gotKeys, wantKeys := formKeys(string(got.body)), formKeys(strings.TrimSpace(string(sample)))
	if kept := slices.DeleteFunc(slices.Clone(gotKeys), func(k string) bool { return !slices.Contains(wantKeys, k) }); !slices.Equal(kept, wantKeys) {
		t.Errorf("form fields = %v, want Slack's %v in its order", gotKeys, wantKeys)
	}
}

func formKeys(body string) []string {
	var keys []string
	for field := range strings.SplitSeq(body, "&") {
		key, _, _ := strings.Cut(field, "=")
		keys = append(keys, key)
	}
	return keys
}

func TestCommandShowsTheAppsAnswer(t *testing.T) {
	tests := []struct {
		name, answer  string
		wantText      string // "" for no message
		wantEphemeral bool
	}{
		{"empty acknowledgement", "", "", false},
		{"plain text", "Commands: help, queue", "Commands: help, queue", true},
		{"JSON", `{"text":"Only you can see this"}`, "Only you can see this", true},
		{"JSON in channel", `{"response_type":"in_channel","text":"Everyone sees this"}`, "Everyone sees this", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, slackstub.Options{}, map[string]appAnswer{"/commands": {http.StatusOK, tt.answer}})
			resp, err := f.stub.Command(t.Context(), slackstub.AgentAlexID, "C0SUPPORT", "/switchboard", "help")
			if err != nil || string(resp.Body) != tt.answer {
				t.Fatalf("Command = %+v, %v", resp, err)
			}
			msgs := f.stub.Messages()
			if tt.wantText == "" {
				if len(msgs) != 0 {
					t.Errorf("messages = %+v, want none", msgs)
				}
				return
			}
			if len(msgs) != 1 || msgs[0].Text != tt.wantText || msgs[0].Channel != "C0SUPPORT" || msgs[0].BotID != slackstub.BotID ||
				msgs[0].Ephemeral != tt.wantEphemeral || tt.wantEphemeral && msgs[0].EphemeralUser != slackstub.AgentAlexID {
				t.Errorf("messages = %+v, want %q (ephemeral %v) for Alex", msgs, tt.wantText, tt.wantEphemeral)
			}
		})
	}
}

func TestCommandWithoutAKnownURL(t *testing.T) {
	app, _ := newApp(t, http.StatusOK, "")
	stub := slackstub.New(slackstub.Options{CommandsURL: app.URL})
	_, err := stub.Command(t.Context(), slackstub.AgentAlexID, "C0SUPPORT", "/switchboard", "")
	if err == nil || !strings.Contains(err.Error(), "BaseURL") {
		t.Errorf("Command error = %v, want a hint to set BaseURL", err)
	}
}

// TestResponseURLLearnedFromWebAPI covers the zero BaseURL: the stand-in
// hands out response_url values where the app reached its Web API.
func TestResponseURLLearnedFromWebAPI(t *testing.T) {
	app, events := newApp(t, http.StatusOK, "")
	stub, srv, api := newStub(t, slackstub.Options{SigningSecret: secret, CommandsURL: app.URL})
	if _, err := api.AuthTestContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := stub.Command(t.Context(), slackstub.AgentAlexID, "C0SUPPORT", "/switchboard", ""); err != nil {
		t.Fatal(err)
	}
	form, _ := url.ParseQuery(string((<-events).body))
	responseURL := form.Get("response_url")
	if !strings.HasPrefix(responseURL, srv.URL+"/response/") {
		t.Fatalf("response_url = %q, want it under %s", responseURL, srv.URL)
	}
	if _, _, err := api.PostMessageContext(t.Context(), "", slack.MsgOptionText("Here is help", false),
		slack.MsgOptionResponseURL(responseURL, slack.ResponseTypeEphemeral)); err != nil {
		t.Fatalf("posting to response_url: %v", err)
	}
	if got := stub.ResponseURLMessages(); len(got) != 1 || got[0].Text != "Here is help" {
		t.Errorf("ResponseURLMessages = %+v", got)
	}
}

func TestResponseURL(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	ctx := t.Context()
	cardTS := f.postCard(t)
	_, replyTS, err := f.api.PostMessageContext(ctx, "C0SUPPORT", slack.MsgOptionText("reply card", false),
		slack.MsgOptionTS(cardTS), slack.MsgOptionBlocks(cardBlocks...))
	if err != nil {
		t.Fatal(err)
	}
	clickURL := func(ts string) string {
		t.Helper()
		if _, err := f.stub.Click(ctx, "C0SUPPORT", ts, slackstub.AgentAlexID, "assign", ""); err != nil {
			t.Fatal(err)
		}
		return interaction(t, f.next(t)).ResponseURL
	}

	tests := []struct {
		name    string
		clicked string
		options func(responseURL string) []slack.MsgOption
		check   func(t *testing.T, got slackstub.Message)
	}{
		{"ephemeral to the clicker", cardTS, func(u string) []slack.MsgOption {
			return []slack.MsgOption{slack.MsgOptionText("Assigned to you", false), slack.MsgOptionResponseURL(u, slack.ResponseTypeEphemeral)}
		}, func(t *testing.T, got slackstub.Message) {
			if !got.Ephemeral || got.EphemeralUser != slackstub.AgentAlexID || got.ThreadTS != "" || got.Text != "Assigned to you" {
				t.Errorf("message = %+v, want an ephemeral for Alex in the channel", got)
			}
		}},
		{"ephemeral in the clicked reply's thread", replyTS, func(u string) []slack.MsgOption {
			return []slack.MsgOption{slack.MsgOptionText("Noted", false), slack.MsgOptionResponseURL(u, slack.ResponseTypeEphemeral)}
		}, func(t *testing.T, got slackstub.Message) {
			if !got.Ephemeral || got.ThreadTS != cardTS {
				t.Errorf("message = %+v, want an ephemeral in thread %s", got, cardTS)
			}
		}},
		{"in channel", cardTS, func(u string) []slack.MsgOption {
			return []slack.MsgOption{slack.MsgOptionText("Alex took it", false), slack.MsgOptionResponseURL(u, slack.ResponseTypeInChannel)}
		}, func(t *testing.T, got slackstub.Message) {
			if got.Ephemeral || got.BotID != slackstub.BotID || got.Text != "Alex took it" {
				t.Errorf("message = %+v, want a bot message for everyone", got)
			}
		}},
		{"replace original", cardTS, func(u string) []slack.MsgOption {
			return []slack.MsgOption{slack.MsgOptionText("Assigned to Alex", false), slack.MsgOptionReplaceOriginal(u)}
		}, func(t *testing.T, got slackstub.Message) {
			if got.TS != cardTS || got.Text != "Assigned to Alex" || got.Updated != 1 || got.Blocks != nil {
				t.Errorf("message = %+v, want the card replaced", got)
			}
		}},
		{"delete original", replyTS, func(u string) []slack.MsgOption {
			return []slack.MsgOption{slack.MsgOptionDeleteOriginal(u)}
		}, func(t *testing.T, got slackstub.Message) {
			if got.TS != replyTS || !got.Deleted {
				t.Errorf("message = %+v, want the reply card deleted", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			responseURL := clickURL(tt.clicked)
			before := len(f.stub.ResponseURLMessages())
			if _, _, err := f.api.PostMessageContext(ctx, "C0SUPPORT", tt.options(responseURL)...); err != nil {
				t.Fatalf("posting to response_url: %v", err)
			}
			got := f.stub.ResponseURLMessages()
			if len(got) != before+1 {
				t.Fatalf("ResponseURLMessages = %+v, want one more", got)
			}
			tt.check(t, got[before])
		})
	}

	t.Run("unknown response_url", func(t *testing.T) {
		resp, err := http.Post(f.base+"/response/T0LOCAL/nope/nope", "application/json", strings.NewReader(`{"text":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("status = %d, want 404", resp.StatusCode)
		}
	})
}

func TestCommandResponseURLGoesToTheChannel(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	cmd := f.command(t, slackstub.AgentSamID, "queue")
	if _, _, err := f.api.PostMessageContext(t.Context(), "", slack.MsgOptionText("3 waiting", false),
		slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeEphemeral)); err != nil {
		t.Fatal(err)
	}
	got := f.stub.ResponseURLMessages()
	if len(got) != 1 || got[0].Channel != "C0SUPPORT" || got[0].ThreadTS != "" || !got[0].Ephemeral || got[0].EphemeralUser != slackstub.AgentSamID {
		t.Errorf("ResponseURLMessages = %+v, want an ephemeral for Sam in the channel", got)
	}
}

// modalRequest is a modal like the app's "Use suggested reply".
func modalRequest() slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           plain("Use suggested reply"),
		Submit:          plain("Send"),
		Close:           plain("Cancel"),
		CallbackID:      "suggested_reply",
		PrivateMetadata: "conv_1",
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(plain("Check the reply before it goes out."), nil, nil),
			slack.NewInputBlock("reply_block", plain("Reply"), nil,
				slack.NewPlainTextInputBlockElement(nil, "reply").WithMultiline(true).WithInitialValue("Hi Ada, it ships today.")),
			slack.NewInputBlock("", plain("Internal note"), nil, slack.NewPlainTextInputBlockElement(nil, "note")).WithOptional(true),
			slack.NewInputBlock("priority_block", plain("Priority"), nil,
				slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose"), "priority", opt("high", "High"), opt("low", "Low"))).WithOptional(true),
		}},
	}
}

// openModal opens the modal for user as an app does from a slash command.
func (f fixture) openModal(t *testing.T, user string, modal slack.ModalViewRequest) *slack.ViewResponse {
	t.Helper()
	cmd := f.command(t, user, "")
	resp, err := f.api.OpenViewContext(t.Context(), cmd.TriggerID, modal)
	if err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	return resp
}

func TestViewsOpenEchoesTheView(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	resp := f.openModal(t, slackstub.AgentSamID, modalRequest())
	v := resp.View
	if !strings.HasPrefix(v.ID, "V") || v.Hash == "" || v.Type != slack.VTModal || v.CallbackID != "suggested_reply" ||
		v.PrivateMetadata != "conv_1" || v.Title.Text != "Use suggested reply" || v.Submit.Text != "Send" || v.Close.Text != "Cancel" ||
		len(v.Blocks.BlockSet) != 4 || v.RootViewID != v.ID || v.AppID != slackstub.AppID || v.State == nil {
		t.Errorf("view = %+v", v)
	}
	views := f.stub.Views()
	if len(views) != 1 || views[0].ID != v.ID || views[0].User != slackstub.AgentSamID || views[0].Type != "modal" ||
		views[0].Title != "Use suggested reply" || views[0].CallbackID != "suggested_reply" || views[0].Closed {
		t.Errorf("Views = %+v, want the open modal for Sam", views)
	}
}

func TestViewsErrors(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := newFixture(t, slackstub.Options{Now: clock}, nil)
	ctx := t.Context()
	opened := f.openModal(t, slackstub.AgentAlexID, modalRequest())
	used := f.command(t, slackstub.AgentAlexID, "").TriggerID
	if _, err := f.api.OpenViewContext(ctx, used, modalRequest()); err != nil {
		t.Fatal(err)
	}
	stale := f.command(t, slackstub.AgentAlexID, "").TriggerID
	mu.Lock()
	now = now.Add(4 * time.Second)
	mu.Unlock()
	fresh := f.command(t, slackstub.AgentAlexID, "").TriggerID
	longTitle := modalRequest()
	longTitle.Title = plain("A title longer than Slack allows")
	noSubmit := modalRequest()
	noSubmit.Submit = nil
	withExternalID := modalRequest()
	withExternalID.ExternalID = "reply-conv_1"
	if _, err := f.api.OpenViewContext(ctx, fresh, withExternalID); err != nil {
		t.Fatal(err)
	}
	fresh2 := f.command(t, slackstub.AgentAlexID, "").TriggerID

	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"trigger never issued", func() error { _, err := f.api.OpenViewContext(ctx, "123.456.abc", modalRequest()); return err }, "invalid_trigger_id"},
		{"trigger already used", func() error { _, err := f.api.OpenViewContext(ctx, used, modalRequest()); return err }, "exchanged_trigger_id"},
		{"trigger older than 3 seconds", func() error { _, err := f.api.OpenViewContext(ctx, stale, modalRequest()); return err }, "expired_trigger_id"},
		{"title too long", func() error { _, err := f.api.OpenViewContext(ctx, fresh2, longTitle); return err }, "invalid_arguments"},
		{"inputs without submit", func() error { _, err := f.api.OpenViewContext(ctx, fresh2, noSubmit); return err }, "invalid_arguments"},
		{"duplicate external_id", func() error { _, err := f.api.OpenViewContext(ctx, fresh2, withExternalID); return err }, "duplicate_external_id"},
		{"update unknown view", func() error {
			_, err := f.api.UpdateViewContext(ctx, modalRequest(), "", "", "V0NOSUCHVIEW")
			return err
		}, "not_found"},
		{"update unknown external_id", func() error { _, err := f.api.UpdateViewContext(ctx, modalRequest(), "nope", "", ""); return err }, "not_found"},
		{"update with a stale hash", func() error {
			_, err := f.api.UpdateViewContext(ctx, modalRequest(), "", "1.stale", opened.View.ID)
			return err
		}, "hash_conflict"},
		{"publish a modal as home", func() error {
			_, err := f.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: slackstub.AgentAlexID, View: slack.HomeTabViewRequest{Type: slack.VTModal}})
			return err
		}, "invalid_arguments"},
		{"unknown user group", func() error { _, err := f.api.GetUserGroupMembersContext(ctx, "S0NOBODY"); return err }, "no_such_subteam"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errString(tt.call()); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestViewsUpdateAndPush(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	ctx := t.Context()
	first := f.openModal(t, slackstub.AgentAlexID, modalRequest()).View

	changed := modalRequest()
	changed.Title = plain("Reply sent")
	changed.Blocks = slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(plain("Done."), nil, nil)}}
	changed.Submit = nil
	changed.ExternalID = "reply-conv_1"
	updated, err := f.api.UpdateViewContext(ctx, changed, "", first.Hash, first.ID)
	if err != nil {
		t.Fatalf("UpdateView by id: %v", err)
	}
	if updated.View.ID != first.ID || updated.View.Hash == first.Hash || updated.View.Title.Text != "Reply sent" {
		t.Errorf("updated view = %+v, want the same id, a new hash and the new title", updated.View)
	}
	changed.Title = plain("Reply sent again")
	if _, err := f.api.UpdateViewContext(ctx, changed, "reply-conv_1", "", ""); err != nil {
		t.Fatalf("UpdateView by external_id: %v", err)
	}

	trigger := f.command(t, slackstub.AgentAlexID, "").TriggerID
	pushed, err := f.api.PushViewContext(ctx, trigger, modalRequest())
	if err != nil {
		t.Fatalf("PushView: %v", err)
	}
	if pushed.View.RootViewID != first.ID || pushed.View.PreviousViewID != first.ID {
		t.Errorf("pushed view = %+v, want it stacked on %s", pushed.View, first.ID)
	}
	views := f.stub.Views()
	if len(views) != 2 || views[0].Title != "Reply sent again" || views[0].Updated != 2 || views[0].ExternalID != "reply-conv_1" ||
		views[1].ID != pushed.View.ID || views[1].RootViewID != first.ID {
		t.Errorf("Views = %+v, want the updated modal and the pushed one", views)
	}
}

func TestViewsPublishAndHome(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	ctx := t.Context()
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "home", Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(plain("3 conversations waiting"), nil, nil),
		slack.NewActionBlock("home_actions", slack.NewButtonBlockElement("refresh", "queue", plain("Refresh"))),
	}}}
	first, err := f.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: slackstub.AgentAlexID, View: home})
	if err != nil {
		t.Fatalf("PublishView: %v", err)
	}
	home.Blocks.BlockSet = home.Blocks.BlockSet[1:]
	second, err := f.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: slackstub.AgentAlexID, View: home, Hash: &first.View.Hash})
	if err != nil {
		t.Fatalf("PublishView again: %v", err)
	}
	if second.View.ID != first.View.ID || second.View.Type != slack.VTHomeTab {
		t.Errorf("republished view = %+v, want the same home", second.View)
	}
	got, ok := f.stub.Home(slackstub.AgentAlexID)
	var blocks []json.RawMessage
	if err := json.Unmarshal(got.Blocks, &blocks); !ok || err != nil || len(blocks) != 1 || got.Updated != 1 || got.User != slackstub.AgentAlexID {
		t.Errorf("Home(Alex) = %+v, %v; want the second publish", got, ok)
	}
	if _, ok := f.stub.Home(slackstub.AgentSamID); ok {
		t.Error("Home(Sam) exists; nothing was published for Sam")
	}
	if len(f.stub.Views()) != 0 {
		t.Errorf("Views = %+v, want modals only", f.stub.Views())
	}
}

func TestClickHome(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(plain("Filter"), nil, slack.NewAccessory(
			slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Show"), "filter", opt("mine", "Mine"), opt("all", "All")))),
	}}}
	published, err := f.api.PublishViewContext(t.Context(), slack.PublishViewContextRequest{UserID: slackstub.AgentSamID, View: home})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.stub.ClickHome(t.Context(), slackstub.AgentAlexID, "filter", "mine"); err == nil {
		t.Error("ClickHome for Alex, who has no home, succeeded")
	}
	if _, err := f.stub.ClickHome(t.Context(), slackstub.AgentSamID, "filter", "later"); err == nil {
		t.Error("ClickHome on a missing option succeeded")
	}
	f.nothingSent(t)

	if _, err := f.stub.ClickHome(t.Context(), slackstub.AgentSamID, "filter", "all"); err != nil {
		t.Fatalf("ClickHome: %v", err)
	}
	ic := interaction(t, f.next(t))
	if ic.Type != slack.InteractionTypeBlockActions || ic.User.ID != slackstub.AgentSamID || ic.TriggerID == "" ||
		ic.Container.Type != "view" || ic.Container.ViewID != published.View.ID || ic.View.ID != published.View.ID ||
		ic.View.Type != slack.VTHomeTab || ic.ResponseURL != "" || ic.Channel.ID != "" || ic.Message.Timestamp != "" {
		t.Errorf("payload = %+v, want a home view click without channel, message or response_url", ic)
	}
	if a := ic.ActionCallback.BlockActions; len(a) != 1 || a[0].ActionID != "filter" || a[0].SelectedOption.Value != "all" || a[0].BlockID == "" {
		t.Errorf("actions = %+v", a)
	}
}

func TestSubmit(t *testing.T) {
	errorsAnswer := `{"response_action":"errors","errors":{"reply_block":"Say something nicer"}}`
	updateAnswer := `{"response_action":"update","view":{"type":"modal","title":{"type":"plain_text","text":"Sent"},"blocks":[]}}`
	tests := []struct {
		name       string
		answer     appAnswer
		wantClosed bool
		wantErrors map[string]string
		wantTitle  string
	}{
		{"empty answer closes", appAnswer{http.StatusOK, ""}, true, nil, "Use suggested reply"},
		{"errors keep it open", appAnswer{http.StatusOK, errorsAnswer}, false, map[string]string{"reply_block": "Say something nicer"}, "Use suggested reply"},
		{"update replaces it", appAnswer{http.StatusOK, updateAnswer}, false, nil, "Sent"},
		{"clear closes it", appAnswer{http.StatusOK, `{"response_action":"clear"}`}, true, nil, "Use suggested reply"},
		{"failure keeps it open", appAnswer{http.StatusInternalServerError, "boom"}, false, nil, "Use suggested reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, slackstub.Options{}, map[string]appAnswer{"/interactions": tt.answer})
			opened := f.openModal(t, slackstub.AgentAlexID, modalRequest()).View

			resp, err := f.stub.Submit(t.Context(), opened.ID, slackstub.AgentAlexID, map[string]string{"note": "VIP", "priority": "high"})
			if err != nil || resp.Status != tt.answer.status {
				t.Fatalf("Submit = %+v, %v", resp, err)
			}
			ic := interaction(t, f.next(t))
			if ic.Type != slack.InteractionTypeViewSubmission || ic.User.ID != slackstub.AgentAlexID || ic.TriggerID == "" ||
				ic.View.ID != opened.ID || ic.View.CallbackID != "suggested_reply" || ic.View.PrivateMetadata != "conv_1" ||
				ic.View.Hash != opened.Hash || ic.Hash != opened.Hash || ic.APIAppID != slackstub.AppID || ic.Team.ID != "T0LOCAL" {
				t.Errorf("payload = %+v", ic)
			}
			values := ic.View.State.Values
			if got := values["reply_block"]["reply"]; got.Type != "plain_text_input" || got.Value != "Hi Ada, it ships today." {
				t.Errorf("reply state = %+v, want the initial value kept", got)
			}
			if got := values["priority_block"]["priority"]; got.Type != "static_select" || got.SelectedOption.Value != "high" {
				t.Errorf("priority state = %+v", got)
			}
			var noteBlock string
			for id, actions := range values {
				if _, ok := actions["note"]; ok {
					noteBlock = id
				}
			}
			if noteBlock == "" || values[noteBlock]["note"].Value != "VIP" {
				t.Errorf("state = %+v, want the note under the block_id Slack gave its block", values)
			}

			v := f.stub.Views()[0]
			if v.Closed != tt.wantClosed || v.Title != tt.wantTitle || len(v.Errors) != len(tt.wantErrors) ||
				v.Errors["reply_block"] != tt.wantErrors["reply_block"] {
				t.Errorf("view = %+v, want closed %v, title %q, errors %v", v, tt.wantClosed, tt.wantTitle, tt.wantErrors)
			}
		})
	}
}

func TestSubmitRefusals(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	opened := f.openModal(t, slackstub.AgentAlexID, modalRequest()).View
	tests := []struct {
		name, viewID, user string
		values             map[string]string
		want               string
	}{
		{"unknown input", opened.ID, slackstub.AgentAlexID, map[string]string{"subject": "x"}, `no input with action_id "subject"`},
		{"required input emptied", opened.ID, slackstub.AgentAlexID, map[string]string{"reply": ""}, `input "reply" (Reply) is required`},
		{"option not offered", opened.ID, slackstub.AgentAlexID, map[string]string{"priority": "urgent"}, `no option with value "urgent"`},
		{"someone else's modal", opened.ID, slackstub.AgentSamID, nil, "is open for U0AGENT1"},
		{"unknown modal", "V0NOSUCHVIEW", slackstub.AgentAlexID, nil, "no open modal V0NOSUCHVIEW"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.stub.Submit(t.Context(), tt.viewID, tt.user, tt.values)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Submit error = %v, want %q", err, tt.want)
			}
			f.nothingSent(t)
		})
	}
}

// TestSubmitPayloadHasSlackFields compares the payload's fields with Slack's
// documented sample (testdata/view_submission.json).
func TestSubmitPayloadHasSlackFields(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	opened := f.openModal(t, slackstub.AgentAlexID, modalRequest()).View
	if _, err := f.stub.Submit(t.Context(), opened.ID, slackstub.AgentAlexID, nil); err != nil {
		t.Fatal(err)
	}
	form, _ := url.ParseQuery(string(f.next(t).body))
	var got map[string]any
	if err := json.Unmarshal([]byte(form.Get("payload")), &got); err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile("testdata/view_submission.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(sample, &want); err != nil {
		t.Fatal(err)
	}
	// The sample's modal has other blocks and inputs, and a channel because
	// its select posts to one; only the shape of the envelope is compared.
	view := want["view"].(map[string]any)
	delete(view, "blocks")
	view["state"] = map[string]any{"values": map[string]any{}}
	delete(want, "channel")
	want["response_urls"] = []any{}
	for _, missing := range missingKeys(want, got, "") {
		t.Errorf("payload lacks %s", missing)
	}
}

func TestCloseView(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	quiet := f.openModal(t, slackstub.AgentAlexID, modalRequest()).View
	resp, err := f.stub.CloseView(t.Context(), quiet.ID, slackstub.AgentAlexID)
	if err != nil || resp.Status != 0 {
		t.Errorf("CloseView = %+v, %v; want nothing sent", resp, err)
	}
	f.nothingSent(t)

	notifying := modalRequest()
	notifying.NotifyOnClose = true
	loud := f.openModal(t, slackstub.AgentAlexID, notifying).View
	if _, err := f.stub.CloseView(t.Context(), loud.ID, slackstub.AgentAlexID); err != nil {
		t.Fatal(err)
	}
	ic := interaction(t, f.next(t))
	if ic.Type != slack.InteractionTypeViewClosed || ic.View.ID != loud.ID || ic.User.ID != slackstub.AgentAlexID || ic.IsCleared {
		t.Errorf("payload = %+v, want view_closed", ic)
	}
	for _, v := range f.stub.Views() {
		if !v.Closed {
			t.Errorf("view %s is open, want it closed", v.ID)
		}
	}
	if _, err := f.stub.CloseView(t.Context(), loud.ID, slackstub.AgentAlexID); err == nil {
		t.Error("closing a closed modal succeeded")
	}
}

func TestReact(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	ts := f.postCard(t)
	if _, err := f.stub.React(t.Context(), "C0SUPPORT", ts, slackstub.AgentAlexID, ":white_check_mark:"); err != nil {
		t.Fatalf("React: %v", err)
	}
	ev, ok := innerEvent(t, f.next(t)).(*slackevents.ReactionAddedEvent)
	if !ok {
		t.Fatalf("inner event is not reaction_added")
	}
	want := slackevents.ReactionAddedEvent{Type: "reaction_added", User: slackstub.AgentAlexID, Reaction: "white_check_mark",
		ItemUser: "U0SWITCHBOARD", Item: slackevents.Item{Type: "message", Channel: "C0SUPPORT", Timestamp: ts}, EventTimestamp: ev.EventTimestamp}
	if ev.Type != want.Type || ev.User != want.User || ev.Reaction != want.Reaction || ev.ItemUser != want.ItemUser ||
		ev.Item.Type != want.Item.Type || ev.Item.Channel != want.Item.Channel || ev.Item.Timestamp != want.Item.Timestamp || ev.EventTimestamp == "" {
		t.Errorf("event = %+v, want %+v", ev, want)
	}

	if _, err := f.stub.React(t.Context(), "C0SUPPORT", ts, slackstub.AgentSamID, "white_check_mark"); err != nil {
		t.Fatal(err)
	}
	f.next(t)
	if _, err := f.stub.React(t.Context(), "C0SUPPORT", ts, slackstub.AgentSamID, "white_check_mark"); err == nil {
		t.Error("reacting twice succeeded")
	}
	f.nothingSent(t)
	root, _, _ := f.stub.Thread("C0SUPPORT", ts)
	if strings.Join(root.Reactions, ",") != "white_check_mark,white_check_mark" ||
		strings.Join(root.ReactionUsers, ",") != slackstub.AgentAlexID+","+slackstub.AgentSamID {
		t.Errorf("reactions = %v by %v, want Alex's and Sam's", root.Reactions, root.ReactionUsers)
	}
}

// threadWithReply posts a root and Alex's reply and returns their ts.
func (f fixture) threadWithReply(t *testing.T) (rootTS, replyTS string) {
	t.Helper()
	rootTS = f.postCard(t)
	replyTS, err := f.stub.Reply(t.Context(), "C0SUPPORT", rootTS, slackstub.AgentAlexID, "On it")
	if err != nil {
		t.Fatal(err)
	}
	f.next(t)
	return rootTS, replyTS
}

func TestEdit(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	rootTS, replyTS := f.threadWithReply(t)
	if _, err := f.stub.Edit(t.Context(), "C0SUPPORT", replyTS, slackstub.AgentSamID, "Sam's words"); err == nil {
		t.Error("Sam edited Alex's message")
	}
	if _, err := f.stub.Edit(t.Context(), "C0SUPPORT", rootTS, slackstub.AgentAlexID, "hijack"); err == nil {
		t.Error("Alex edited the bot's message")
	}
	f.nothingSent(t)

	if _, err := f.stub.Edit(t.Context(), "C0SUPPORT", replyTS, slackstub.AgentAlexID, "On it <now>"); err != nil {
		t.Fatalf("Edit: %v", err)
	}
	got := f.next(t)
	if !strings.Contains(string(got.body), `"hidden":true`) {
		t.Errorf("event %s is not hidden", got.body)
	}
	ev, ok := innerEvent(t, got).(*slackevents.MessageEvent)
	if !ok {
		t.Fatal("inner event is not a message")
	}
	if ev.SubType != "message_changed" || ev.Channel != "C0SUPPORT" || ev.TimeStamp == replyTS || ev.EventTimeStamp != ev.TimeStamp ||
		ev.Message == nil || ev.PreviousMessage == nil {
		t.Fatalf("event = %+v, want message_changed with the message and the previous one", ev)
	}
	if m := ev.Message; m.Text != "On it &lt;now&gt;" || m.Timestamp != replyTS || m.ThreadTimestamp != rootTS || m.User != slackstub.AgentAlexID ||
		m.Edited == nil || m.Edited.User != slackstub.AgentAlexID || m.Edited.Timestamp != ev.TimeStamp || len(m.Blocks.BlockSet) != 1 {
		t.Errorf("message = %+v, want the edited reply", m)
	}
	if p := ev.PreviousMessage; p.Text != "On it" || p.Timestamp != replyTS || p.ThreadTimestamp != rootTS || p.User != slackstub.AgentAlexID {
		t.Errorf("previous_message = %+v", p)
	}
	_, replies, _ := f.stub.Thread("C0SUPPORT", rootTS)
	if len(replies) != 1 || replies[0].Text != "On it &lt;now&gt;" || replies[0].Edited != ev.TimeStamp {
		t.Errorf("replies = %+v, want the edit recorded", replies)
	}
}

func TestDelete(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	rootTS, replyTS := f.threadWithReply(t)
	if _, err := f.stub.Delete(t.Context(), "C0SUPPORT", replyTS, slackstub.AgentSamID); err == nil {
		t.Error("Sam deleted Alex's message")
	}
	f.nothingSent(t)

	if _, err := f.stub.Delete(t.Context(), "C0SUPPORT", replyTS, slackstub.AgentAlexID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	got := f.next(t)
	ev, ok := innerEvent(t, got).(*slackevents.MessageEvent)
	if !ok {
		t.Fatal("inner event is not a message")
	}
	if ev.SubType != "message_deleted" || ev.DeletedTimeStamp != replyTS || ev.Channel != "C0SUPPORT" || ev.TimeStamp == replyTS ||
		ev.PreviousMessage == nil || ev.PreviousMessage.Text != "On it" || ev.PreviousMessage.ThreadTimestamp != rootTS {
		t.Errorf("event = %+v, want message_deleted of %s", ev, replyTS)
	}
	if !strings.Contains(string(got.body), `"hidden":true`) {
		t.Errorf("event %s is not hidden", got.body)
	}
	if _, replies, _ := f.stub.Thread("C0SUPPORT", rootTS); len(replies) != 0 {
		t.Errorf("Thread replies = %+v, want the deleted reply left out", replies)
	}
	if msgs := f.stub.Messages(); len(msgs) != 2 || !msgs[1].Deleted {
		t.Errorf("Messages = %+v, want the reply kept and marked deleted", msgs)
	}
	if _, err := f.stub.Delete(t.Context(), "C0SUPPORT", replyTS, slackstub.AgentAlexID); err == nil {
		t.Error("deleting twice succeeded")
	}
}

func TestOpenHome(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	if _, err := f.stub.OpenHome(t.Context(), slackstub.GuestCaseyID); err != nil {
		t.Fatal(err)
	}
	ev, ok := innerEvent(t, f.next(t)).(*slackevents.AppHomeOpenedEvent)
	if !ok || ev.Type != "app_home_opened" || ev.User != slackstub.GuestCaseyID || !strings.HasPrefix(ev.Channel, "D") ||
		ev.Tab != "home" || ev.EventTimeStamp == "" || ev.View != nil {
		t.Errorf("event = %+v, want app_home_opened for Casey without a view", ev)
	}

	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}}}
	published, err := f.api.PublishViewContext(t.Context(), slack.PublishViewContextRequest{UserID: slackstub.GuestCaseyID, View: home})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.stub.OpenHome(t.Context(), slackstub.GuestCaseyID); err != nil {
		t.Fatal(err)
	}
	if ev := innerEvent(t, f.next(t)).(*slackevents.AppHomeOpenedEvent); ev.View == nil || ev.View.ID != published.View.ID {
		t.Errorf("event view = %+v, want the published home", ev.View)
	}
}

func TestUserGroupsUsersList(t *testing.T) {
	tests := []struct {
		name   string
		groups map[string][]string
		group  string
		want   []string
	}{
		{"default agents", nil, slackstub.AgentsGroupID, []string{slackstub.AgentAlexID, slackstub.AgentSamID}},
		{"configured", map[string][]string{"S0LEADS": {slackstub.AgentSamID}}, "S0LEADS", []string{slackstub.AgentSamID}},
		{"empty group", map[string][]string{"S0EMPTY": nil}, "S0EMPTY", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, api := newStub(t, slackstub.Options{UserGroups: tt.groups})
			got, err := api.GetUserGroupMembersContext(t.Context(), tt.group)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("GetUserGroupMembers(%q) = %v, %v; want %v", tt.group, got, err, tt.want)
			}
		})
	}
	_, _, api := newStub(t, slackstub.Options{UserGroups: map[string][]string{"S0LEADS": {slackstub.AgentSamID}}})
	if _, err := api.GetUserGroupMembersContext(t.Context(), slackstub.AgentsGroupID); errString(err) != "no_such_subteam" {
		t.Errorf("default group with configured groups: error = %v, want no_such_subteam", err)
	}
}

func TestCaseyIsKnown(t *testing.T) {
	_, _, api := newStub(t, slackstub.Options{})
	user, err := api.GetUserInfoContext(t.Context(), slackstub.GuestCaseyID)
	if err != nil || user.Name != "casey" || user.RealName != "Casey Guest" || user.Profile.DisplayName != "Casey" {
		t.Errorf("GetUserInfo(Casey) = %+v, %v", user, err)
	}
}

func TestChatDelete(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	ctx := t.Context()
	rootTS, replyTS := f.threadWithReply(t)
	_, botReplyTS, err := f.api.PostMessageContext(ctx, "C0SUPPORT", slack.MsgOptionText("note", false), slack.MsgOptionTS(rootTS))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ts, want string
	}{
		{"bot reply", botReplyTS, ""},
		{"deleted already", botReplyTS, "message_not_found"},
		{"a person's reply", replyTS, "cant_delete_message"},
		{"unknown", "1.000001", "message_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.api.DeleteMessageContext(ctx, "C0SUPPORT", tt.ts)
			if got := errString(err); got != tt.want {
				t.Errorf("DeleteMessage(%s) error = %q, want %q", tt.ts, got, tt.want)
			}
		})
	}
	if _, replies, _ := f.stub.Thread("C0SUPPORT", rootTS); len(replies) != 1 || replies[0].TS != replyTS {
		t.Errorf("replies = %+v, want only Alex's", replies)
	}
	f.nothingSent(t)
}

func TestRateLimitEvery(t *testing.T) {
	stub, srv, api := newStub(t, slackstub.Options{RateLimitEvery: 3, RetryAfter: "0"})
	for call := 1; call <= 9; call++ {
		_, _, err := api.PostMessageContext(t.Context(), "C0SUPPORT", slack.MsgOptionText("x", false))
		var limited *slack.RateLimitedError
		switch {
		case call%3 == 0 && (!errors.As(err, &limited) || limited.RetryAfter != 0):
			t.Errorf("call %d: error = %v, want a RateLimitedError retrying after 0s", call, err)
		case call%3 != 0 && err != nil:
			t.Errorf("call %d: error = %v, want success", call, err)
		}
	}

	// Calls 10 and 11 pass; call 12 is answered as Slack answers a limit.
	var resp *http.Response
	for range 3 {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/chat.postMessage", strings.NewReader("channel=C1&text=x"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer xoxb-test")
		if resp, err = http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "0" {
		t.Errorf("call 12 = %d with Retry-After %q, want 429 with 0", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if n := len(stub.Messages()); n != 8 {
		t.Errorf("%d messages posted, want the 8 calls that were not limited", n)
	}
}

func TestEphemeralInThreadOnlyForItsUser(t *testing.T) {
	_, srv, api := newStub(t, slackstub.Options{})
	_, rootTS, err := api.PostMessageContext(t.Context(), "C0SUPPORT", slack.MsgOptionText("root", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.PostEphemeralContext(t.Context(), "C0SUPPORT", slackstub.AgentSamID, slack.MsgOptionText("for Sam", false), slack.MsgOptionTS(rootTS)); err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string]int{slackstub.AgentSamID: 1, slackstub.AgentAlexID: 0} {
		var state struct {
			Channels []struct {
				Threads []struct {
					Replies []struct {
						Text         string `json:"text"`
						EphemeralFor string `json:"ephemeral_for"`
					} `json:"replies"`
				} `json:"threads"`
			} `json:"channels"`
		}
		getJSON(t, srv.URL+"/threads.json?user="+user, &state)
		if got := state.Channels[0].Threads[0].Replies; len(got) != want || want == 1 && got[0].EphemeralFor != "Sam Support" {
			t.Errorf("replies for %s = %+v, want %d", user, got, want)
		}
	}
}

// TestPageActions drives every page endpoint through Handler, as the page does.
func TestPageActions(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, nil)
	ctx := t.Context()
	rootTS, replyTS := f.threadWithReply(t)
	modal := f.openModal(t, slackstub.AgentAlexID, modalRequest()).View
	closable := f.openModal(t, slackstub.AgentAlexID, modalRequest()).View
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewActionBlock("", slack.NewButtonBlockElement("refresh", "", plain("Refresh"))),
	}}}
	if _, err := f.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: slackstub.AgentAlexID, View: home}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		path, body string
		wantStatus int
		wantPath   string // where the app got a request; "" for none
	}{
		{"click", `{"channel":"C0SUPPORT","ts":"` + rootTS + `","user":"U0AGENT1","action_id":"snooze","value":"1h"}`, http.StatusOK, "/interactions"},
		{"click", `{"channel":"C0SUPPORT","ts":"` + rootTS + `","user":"U0AGENT1","action_id":"reopen"}`, http.StatusBadRequest, ""},
		{"home/click", `{"user":"U0AGENT1","action_id":"refresh"}`, http.StatusOK, "/interactions"},
		{"home/open", `{"user":"U0AGENT1"}`, http.StatusOK, "/events"},
		{"submit", `{"view_id":"` + modal.ID + `","user":"U0AGENT1","values":{"reply":"Thanks!"}}`, http.StatusOK, "/interactions"},
		{"close", `{"view_id":"` + closable.ID + `","user":"U0AGENT1"}`, http.StatusOK, ""},
		{"react", `{"channel":"C0SUPPORT","ts":"` + rootTS + `","user":"U0AGENT2","name":"white_check_mark"}`, http.StatusOK, "/events"},
		{"edit", `{"channel":"C0SUPPORT","ts":"` + replyTS + `","user":"U0AGENT1","text":"On it, really"}`, http.StatusOK, "/events"},
		{"delete", `{"channel":"C0SUPPORT","ts":"` + replyTS + `","user":"U0AGENT1"}`, http.StatusOK, "/events"},
		{"command", `{"channel":"C0SUPPORT","user":"U0GUEST1","command":"/switchboard","text":"help"}`, http.StatusOK, "/commands"},
		{"command", `{"channel":"C0SUPPORT","user":"U0GUEST1","command":"switchboard"}`, http.StatusBadRequest, ""},
		{"react", `not json`, http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Post(f.base+"/"+tt.path, "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var answer struct {
				OK     bool   `json:"ok"`
				Status int    `json:"status"`
				Error  string `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || answer.OK != (tt.wantStatus == http.StatusOK) || !answer.OK && answer.Error == "" {
				t.Errorf("POST %s = %d %+v, want %d", tt.path, resp.StatusCode, answer, tt.wantStatus)
			}
			if tt.wantPath == "" {
				f.nothingSent(t)
				return
			}
			if got := f.next(t); got.path != tt.wantPath {
				t.Errorf("app got a request to %s, want %s", got.path, tt.wantPath)
			}
		})
	}

	views := f.stub.Views()
	if !views[0].Closed || !views[1].Closed {
		t.Errorf("views = %+v, want the submitted and the closed modal closed", views)
	}
}

func TestPageActionReportsAppFailure(t *testing.T) {
	f := newFixture(t, slackstub.Options{}, map[string]appAnswer{"/events": {http.StatusInternalServerError, "database down"}})
	ts := f.postCard(t)
	resp, err := http.Post(f.base+"/react", "application/json",
		strings.NewReader(`{"channel":"C0SUPPORT","ts":"`+ts+`","user":"U0AGENT1","name":"eyes"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		OK     bool   `json:"ok"`
		Status int    `json:"status"`
		Error  string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	if resp.StatusCode != http.StatusBadGateway || answer.OK || answer.Status != 500 || !strings.Contains(answer.Error, "database down") {
		t.Errorf("POST react = %d %+v, want 502 with the app's 500 and answer", resp.StatusCode, answer)
	}
}

// TestPageState covers what the page polls for one person: their modal,
// their home, people and message kinds.
func TestPageState(t *testing.T) {
	errorsAnswer := `{"response_action":"errors","errors":{"reply_block":"Too short"}}`
	f := newFixture(t, slackstub.Options{}, map[string]appAnswer{"/interactions": {http.StatusOK, errorsAnswer}})
	rootTS, _ := f.threadWithReply(t)
	if _, err := f.stub.Reply(t.Context(), "C0SUPPORT", rootTS, slackstub.GuestCaseyID, "Can I help?"); err != nil {
		t.Fatal(err)
	}
	f.next(t)
	modal := f.openModal(t, slackstub.AgentAlexID, modalRequest()).View
	if _, err := f.stub.Submit(t.Context(), modal.ID, slackstub.AgentAlexID, nil); err != nil {
		t.Fatal(err)
	}
	f.next(t)

	type view struct {
		ID, Title, Submit, Close string
		Blocks                   []struct {
			BlockID string `json:"block_id"`
		}
		Errors map[string]string
	}
	var state struct {
		People []struct {
			ID      string `json:"id"`
			InGroup bool   `json:"in_group"`
		} `json:"people"`
		Channels []struct {
			Threads []struct {
				Replies []struct{ Kind string } `json:"replies"`
			} `json:"threads"`
		} `json:"channels"`
		Modal *view `json:"modal"`
	}
	getJSON(t, f.base+"/threads.json?user="+slackstub.AgentAlexID, &state)
	if len(state.People) != 3 || !state.People[0].InGroup || state.People[2].ID != slackstub.GuestCaseyID || state.People[2].InGroup {
		t.Errorf("people = %+v, want Alex and Sam in a group and Casey in none", state.People)
	}
	if r := state.Channels[0].Threads[0].Replies; len(r) != 2 || r[0].Kind != "agent" || r[1].Kind != "member" {
		t.Errorf("replies = %+v, want an agent's and a member's", r)
	}
	m := state.Modal
	if m == nil || m.ID != modal.ID || m.Title != "Use suggested reply" || m.Submit != "Send" || m.Close != "Cancel" ||
		m.Errors["reply_block"] != "Too short" || len(m.Blocks) != 4 || slices.ContainsFunc(m.Blocks, func(b struct {
		BlockID string `json:"block_id"`
	}) bool {
		return b.BlockID == ""
	}) {
		t.Errorf("modal = %+v, want Alex's open modal with its errors and every block_id", m)
	}

	var sams struct {
		Modal *view `json:"modal"`
	}
	getJSON(t, f.base+"/threads.json?user="+slackstub.AgentSamID, &sams)
	if sams.Modal != nil {
		t.Errorf("Sam's modal = %+v, want none", sams.Modal)
	}
}
