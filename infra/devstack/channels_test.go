package devstack_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/devstack"
	"github.com/switchboard-inbox/switchboard/infra/outbox"
	"github.com/switchboard-inbox/switchboard/infra/slackstub"
)

// fixture reads a provider payload from a channel package's testdata and
// lets the test change it, as JSON.
func fixture(t *testing.T, channel, name string, change func(map[string]any)) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../shared/channel/" + channel + "/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	change(v)
	out, _ := json.Marshal(v)
	return out
}

// whatsApp is a WhatsApp Cloud API notification of one message, from the
// documented payload, sent at the given time.
func whatsApp(t *testing.T, name, id string, at time.Time) []byte {
	return fixture(t, "meta", name, func(v map[string]any) {
		msg := v["entry"].([]any)[0].(map[string]any)["changes"].([]any)[0].(map[string]any)["value"].(map[string]any)["messages"].([]any)[0].(map[string]any)
		msg["id"], msg["timestamp"] = id, strconv.FormatInt(at.Unix(), 10)
	})
}

func whatsAppStatus(t *testing.T, id, status string) []byte {
	return fixture(t, "meta", "whatsapp_status_failed.json", func(v map[string]any) {
		st := v["entry"].([]any)[0].(map[string]any)["changes"].([]any)[0].(map[string]any)["value"].(map[string]any)["statuses"].([]any)[0].(map[string]any)
		st["id"], st["status"], st["timestamp"] = id, status, strconv.FormatInt(time.Now().Unix(), 10)
	})
}

func webhook(t *testing.T, st *devstack.Stack, provider string, body []byte) int {
	t.Helper()
	res, err := st.Webhook(context.Background(), provider, body)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// onlyThread returns the one conversation thread in the local Slack.
func onlyThread(t *testing.T, st *devstack.Stack) (slackstub.Message, []slackstub.Message) {
	t.Helper()
	var roots []slackstub.Message
	for _, m := range st.Slack.Messages() {
		if m.ThreadTS == "" {
			roots = append(roots, m)
		}
	}
	if len(roots) != 1 {
		t.Fatalf("%d threads in Slack; want 1: %+v", len(roots), roots)
	}
	_, replies, _ := st.Slack.Thread(roots[0].Channel, roots[0].TS)
	return roots[0], replies
}

func agentReply(t *testing.T, st *devstack.Stack, root slackstub.Message, text string) {
	t.Helper()
	if _, err := st.Slack.Reply(context.Background(), root.Channel, root.TS, slackstub.AgentAlexID, text); err != nil {
		t.Fatal(err)
	}
	idle(t, st)
}

func lastReplyContains(t *testing.T, st *devstack.Stack, want string) {
	t.Helper()
	_, replies := onlyThread(t, st)
	for _, r := range replies {
		if strings.Contains(r.Text, want) {
			return
		}
	}
	t.Errorf("no thread reply contains %q: %+v", want, replies)
}

func TestWhatsAppLoop(t *testing.T) {
	st := startStack(t, map[string]string{})
	text := whatsApp(t, "whatsapp_text_message.json", "wamid.E2E1", time.Now())

	// A forged notification is refused and leaves nothing behind.
	req, _ := http.NewRequest(http.MethodPost, st.URL+"/webhooks/meta", strings.NewReader(string(text)))
	req.Header.Set("X-Hub-Signature-256", "sha256=0000000000000000000000000000000000000000000000000000000000000000")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	idle(t, st)
	if res.StatusCode != http.StatusUnauthorized || len(st.Slack.Messages()) != 0 {
		t.Fatalf("forged notification: %d and %d Slack posts; want 401 and nothing", res.StatusCode, len(st.Slack.Messages()))
	}

	// Meta retries: the same message delivered twice is one message.
	for i := 0; i < 2; i++ {
		if code := webhook(t, st, "meta", text); code != http.StatusOK {
			t.Fatalf("notification %d = %d; want 200", i+1, code)
		}
	}
	idle(t, st)
	root, replies := onlyThread(t, st)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "Hello World") || !strings.Contains(string(root.Blocks), "WhatsApp") {
		t.Fatalf("thread %s / %+v; want a WhatsApp card and the message once", root.Blocks, replies)
	}

	// A photo is fetched with the access token, kept, and linked for agents.
	if code := webhook(t, st, "meta", whatsApp(t, "whatsapp_image.json", "wamid.E2E2", time.Now())); code != http.StatusOK {
		t.Fatalf("image notification = %d", code)
	}
	idle(t, st)
	_, replies = onlyThread(t, st)
	photo := replies[len(replies)-1].Text
	start := strings.Index(photo, "<"+st.URL+"/media/")
	if !strings.Contains(photo, "Check out my new phone!") || start < 0 {
		t.Fatalf("photo post %q; want the caption and a media link", photo)
	}
	link := photo[start+1 : start+strings.Index(photo[start:], "|")]
	res, err = http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(body) == 0 {
		t.Errorf("following the media link: %d, %d bytes; want the photo", res.StatusCode, len(body))
	}

	// The agent's reply goes out through the Cloud API.
	agentReply(t, st, root, "Your new phone ships today")
	sent := st.Outbox.Sent(outbox.Meta)
	last := sent[len(sent)-1]
	if last.Op != "messages" || !strings.HasSuffix(last.Path, "/100000000000001/messages") || last.Auth != "Bearer local-meta-token" ||
		last.To != "250788123123" || !strings.Contains(last.Text, "Your new phone ships today") {
		t.Fatalf("sent %+v; want the reply to 250788123123 from the business number with the token", last)
	}

	// Meta later reports the message failed: the agent sees it.
	if code := webhook(t, st, "meta", whatsAppStatus(t, last.ID, "failed")); code != http.StatusOK {
		t.Fatalf("status notification = %d", code)
	}
	idle(t, st)
	lastReplyContains(t, st, "not delivered")
}

func TestWhatsAppWindowOffersTemplate(t *testing.T) {
	st := startStack(t, map[string]string{})
	if code := webhook(t, st, "meta", whatsApp(t, "whatsapp_text_message.json", "wamid.OLD1", time.Now().Add(-25*time.Hour))); code != http.StatusOK {
		t.Fatalf("notification = %d", code)
	}
	idle(t, st)
	root, _ := onlyThread(t, st)
	agentReply(t, st, root, "Sorry for the slow answer")
	if sent := st.Outbox.Sent(outbox.Meta); len(sent) != 0 {
		t.Fatalf("%d requests to Meta; want none outside the 24-hour window", len(sent))
	}
	_, replies := onlyThread(t, st)
	offer := replies[len(replies)-1]
	if !strings.Contains(replies[len(replies)-2].Text, "24 hours") || !strings.Contains(string(offer.Blocks), "hello_again") {
		t.Fatalf("thread ends %+v; want the window explained and the template offered", replies[len(replies)-2:])
	}
	if _, err := st.Slack.Click(context.Background(), offer.Channel, offer.TS, slackstub.AgentAlexID, "send_template", "hello_again"); err != nil {
		t.Fatal(err)
	}
	idle(t, st)
	sent := st.Outbox.Sent(outbox.Meta)
	if len(sent) != 1 || !strings.Contains(string(sent[0].Body), `"type":"template"`) || !strings.Contains(string(sent[0].Body), "hello_again") {
		t.Fatalf("sent %+v; want the approved template", sent)
	}
}

func TestTelegramLoop(t *testing.T) {
	st := startStack(t, map[string]string{})
	update := fixture(t, "telegram", "text_message.json", func(v map[string]any) {
		v["message"].(map[string]any)["date"] = time.Now().Unix()
	})
	for i := 0; i < 2; i++ {
		if code := webhook(t, st, "telegram", update); code != http.StatusOK {
			t.Fatalf("update %d = %d", i+1, code)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, st.URL+"/webhooks/telegram", strings.NewReader(string(update)))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "guessed")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong secret = %v %v; want 401", res.StatusCode, err)
	}
	idle(t, st)
	root, replies := onlyThread(t, st)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "Hello World") || !strings.Contains(string(root.Blocks), "Telegram") {
		t.Fatalf("thread %+v; want the update once", replies)
	}
	agentReply(t, st, root, "Hi Nic, how can we help?")
	sent := st.Outbox.Sent(outbox.Telegram)
	if len(sent) != 1 || sent[0].Op != "sendMessage" || !strings.Contains(sent[0].Path, "/bot123456:local-bot-token/") ||
		sent[0].To != "3527065" || sent[0].Text != "Hi Nic, how can we help?" {
		t.Fatalf("sent %+v; want one sendMessage to chat 3527065", sent)
	}
}

func TestTwilioSMSLoop(t *testing.T) {
	st := startStack(t, map[string]string{})
	raw, err := os.ReadFile("../../shared/channel/twilio/testdata/sms_inbound.form-urlencoded.txt")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if code := webhook(t, st, "twilio", raw); code != http.StatusOK {
			t.Fatalf("inbound %d = %d", i+1, code)
		}
	}
	idle(t, st)
	root, replies := onlyThread(t, st)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "Msg") || !strings.Contains(string(root.Blocks), "SMS") {
		t.Fatalf("thread %+v; want the SMS once", replies)
	}
	agentReply(t, st, root, "Thanks for your text")
	sent := st.Outbox.Sent(outbox.Twilio)
	if len(sent) != 1 || sent[0].To != "+14133881111" || sent[0].Text != "Alex: Thanks for your text" || !strings.HasPrefix(sent[0].Auth, "Basic ") {
		t.Fatalf("sent %+v; want one message to +14133881111 with basic auth", sent)
	}
	form, _ := url.ParseQuery(string(sent[0].Body))
	if form.Get("StatusCallback") != st.URL+"/webhooks/twilio" {
		t.Errorf("StatusCallback = %q; want this stack's webhook", form.Get("StatusCallback"))
	}

	// Twilio reports the text undelivered; the agent sees why.
	status := url.Values{"MessageSid": {sent[0].ID}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"},
		"To": {"+14133881111"}, "From": {"+15005550006"}, "AccountSid": {"AC00000000000000000000000000000000"}}
	if code := webhook(t, st, "twilio", []byte(status.Encode())); code != http.StatusOK {
		t.Fatalf("status callback = %d", code)
	}
	idle(t, st)
	lastReplyContains(t, st, "not delivered")

	// The customer texts STOP: the next reply is not sent, and the agent
	// is told why.
	stop := strings.Replace(strings.ReplaceAll(string(raw), "SMe287d7109a5a925f182f0e07fe5b223b", "SMstop"), "Body=Msg", "Body=STOP", 1)
	if code := webhook(t, st, "twilio", []byte(stop)); code != http.StatusOK {
		t.Fatalf("STOP = %d", code)
	}
	idle(t, st)
	agentReply(t, st, root, "Are you still there?")
	if n := len(st.Outbox.Sent(outbox.Twilio)); n != 1 {
		t.Errorf("%d texts sent; want none after STOP", n)
	}
	lastReplyContains(t, st, "START")
}
