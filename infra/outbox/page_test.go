package outbox

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

func TestPage(t *testing.T) {
	s := New(Options{})
	ts := devStack(t, s)

	body := `{"messaging_product":"whatsapp","to":"15551234567","type":"text","text":{"body":"<script>alert(1)</script> & \"quotes\""}}`
	if status, got := call(t, "POST", ts.URL+"/_fake/meta/v21.0/1065/messages", "application/json", []byte(body), bearer("EAAlocal")); status != 200 {
		t.Fatalf("send = %d %s", status, got)
	}
	_, err := newSES(ts.URL+"/_fake/ses").SendEmail(context.Background(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("support@acme.example"),
		Destination:      &types.Destination{ToAddresses: []string{"ana@example.com"}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String("<img src=x onerror=alert(2)>")},
			Body:    &types.Body{Text: &types.Content{Data: aws.String("Your order </pre><b>shipped</b>")}},
			Headers: []types.MessageHeader{{Name: aws.String("In-Reply-To"), Value: aws.String("<abc@mail.example.com>")}},
		}},
	})
	if err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	if status, _ := call(t, "GET", ts.URL+"/_fake/telegram/bot"+testBotToken+"/sendMessage?chat_id=42&text=", "", nil, nil); status != 400 {
		t.Fatalf("empty Telegram text = %d; want 400", status)
	}

	resp, err := http.Get(ts.URL + "/dev/outbox")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	page := string(raw)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /dev/outbox = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy = %q; want no script at all", csp)
	}

	for _, want := range []string{
		`<meta http-equiv="refresh" content="2">`,
		`&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;`,
		`&lt;img src=x onerror=alert(2)&gt;`,
		`Your order &lt;/pre&gt;&lt;b&gt;shipped&lt;/b&gt;`,
		`&lt;abc@mail.example.com&gt;`,
		`<dd>&lt;support@acme.example&gt;</dd>`,
		`<dd>&lt;ana@example.com&gt;</dd>`,
		`href="/dev/outbox/2.eml"`,
		`Bad Request: message text is empty`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, bad := range []string{"<script>", "<img", "<b>shipped"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains unescaped %s", bad)
		}
	}
	if got := regexp.MustCompile(`<span class="n">#(\d+)</span>`).FindAllStringSubmatch(page, -1); len(got) != 3 || got[0][1] != "3" || got[2][1] != "1" {
		t.Errorf("page lists %v; want #3, #2, #1, newest first", got)
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "<link") {
		t.Errorf("page refers to something outside itself")
	}

	if status, eml := call(t, "GET", ts.URL+"/dev/outbox/2.eml", "", nil, nil); status != 200 || !strings.Contains(string(eml), "In-Reply-To: <abc@mail.example.com>") {
		t.Errorf("GET /dev/outbox/2.eml = %d %.200s; want the MIME message", status, eml)
	}
	if status, _ := call(t, "GET", ts.URL+"/dev/outbox/1.eml", "", nil, nil); status != 404 {
		t.Errorf("GET /dev/outbox/1.eml of a WhatsApp message = %d; want 404", status)
	}
}

func TestPageLinksUnderAPrefix(t *testing.T) {
	s := New(Options{})
	s.record(Request{Provider: SES, Op: "SendEmail", Email: &Email{Raw: []byte("Subject: hi\r\n\r\nhi\r\n")}})
	mux := http.NewServeMux()
	mux.Handle("/local/", http.StripPrefix("/local", s))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ts := srv.URL
	status, page := call(t, "GET", ts+"/local/dev/outbox", "", nil, nil)
	if status != 200 || !strings.Contains(string(page), `href="/local/dev/outbox/1.eml"`) {
		t.Errorf("GET /local/dev/outbox = %d; want a link to /local/dev/outbox/1.eml in %s", status, page)
	}
	if status, eml := call(t, "GET", ts+"/local/dev/outbox/1.eml", "", nil, nil); status != 200 || !strings.HasPrefix(string(eml), "Subject: hi") {
		t.Errorf("GET /local/dev/outbox/1.eml = %d %q", status, eml)
	}
}
