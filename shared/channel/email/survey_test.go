package email

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// testSurvey is a rating request as the csat service builds it, lowest
// score first, with a label and a URL that need escaping in HTML.
func testSurvey() *inbox.Survey {
	labels := []string{"Very bad", "Bad", "Okay", "Good", "Excellent <3 & more"}
	s := &inbox.Survey{LinkHint: "Choose a score, it opens our rating page:", ReplyHint: "Reply 1-5", Thanks: "Thanks!"}
	for i, label := range labels {
		score := i + 1
		s.Options = append(s.Options, inbox.SurveyOption{
			Score: score, Label: label, Payload: inbox.SurveyPayload(testConvID, 0, score),
			URL: "https://support.example.com/csat/tok" + strconv.Itoa(score) + "?s=" + strconv.Itoa(score) + "&lang=en",
		})
	}
	return s
}

const surveyLinkStyle = `display:inline-block;min-width:220px;padding:10px 18px;border:1px solid #2350c8;border-radius:6px;` +
	`background-color:#ffffff;color:#2350c8;font-family:Arial,Helvetica,sans-serif;font-size:16px;font-weight:bold;line-height:20px;text-decoration:none`

func surveyLinkHTML(score int, name string) string {
	s := strconv.Itoa(score)
	return `<p style="margin:0 0 10px 0"><a href="https://support.example.com/csat/tok` + s + `?s=` + s + `&amp;lang=en"` + "\n" +
		` style="` + surveyLinkStyle + `"` + "\n" + `>` + name + `</a></p>` + "\n"
}

func TestSendRatingRequest(t *testing.T) {
	srv := newSESServer(t)
	s := &Sender{
		SES: srv.client(), From: "support@example.com", FromName: "Acme Support", AgentNameInFrom: true,
		Secret: testSecret, Thread: fakeThread{msgs: testThread()}, Now: func() time.Time { return testNow },
	}
	question := inbox.Message{ID: testReply.ID, ConversationID: testConvID, Direction: inbox.DirectionOut, Author: inbox.AuthorBot,
		Kind: inbox.KindPublic, AuthorName: "Jörg", Text: `How would you rate our help with "Invoice 1042"?`}
	request := question
	request.Survey = testSurvey()
	for _, m := range []inbox.Message{question, request} {
		if _, err := s.Send(context.Background(), testConv, m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	var envs [2]*enmime.Envelope
	for i, sent := range srv.sent {
		env, err := enmime.ReadEnvelope(bytes.NewReader(sent.Content.Raw.Data))
		if err != nil {
			t.Fatalf("read the sent mail back: %v", err)
		}
		envs[i] = env
	}
	plain, survey := envs[0], envs[1]
	for _, name := range []string{"From", "To", "Reply-To", "Subject", "In-Reply-To", "References", "Date", "MIME-Version"} {
		if got, want := survey.GetHeader(name), plain.GetHeader(name); got != want || want == "" {
			t.Errorf("%s = %q; want %q as in any reply", name, got, want)
		}
	}
	if got := survey.GetHeader("Content-Type"); !strings.HasPrefix(got, "multipart/alternative;") {
		t.Errorf("Content-Type = %q; want multipart/alternative", got)
	}
	if len(survey.Attachments) != 0 || len(survey.Inlines) != 0 || len(survey.OtherParts) != 0 {
		t.Errorf("rating request has parts beside text and HTML: %d attachments, %d inlines, %d others",
			len(survey.Attachments), len(survey.Inlines), len(survey.OtherParts))
	}
	wantText := `How would you rate our help with "Invoice 1042"?

Choose a score, it opens our rating page:
5 - Excellent <3 & more: https://support.example.com/csat/tok5?s=5&lang=en
4 - Good: https://support.example.com/csat/tok4?s=4&lang=en
3 - Okay: https://support.example.com/csat/tok3?s=3&lang=en
2 - Bad: https://support.example.com/csat/tok2?s=2&lang=en
1 - Very bad: https://support.example.com/csat/tok1?s=1&lang=en
`
	if got := strings.ReplaceAll(survey.Text, "\r\n", "\n"); got != wantText {
		t.Errorf("text part = %q; want %q", got, wantText)
	}
	wantHTML := "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n" +
		"<p>How would you rate our help with &#34;Invoice 1042&#34;?</p>\n" +
		"<p>Choose a score, it opens our rating page:</p>\n" +
		surveyLinkHTML(5, "5 - Excellent &lt;3 &amp; more") + surveyLinkHTML(4, "4 - Good") + surveyLinkHTML(3, "3 - Okay") +
		surveyLinkHTML(2, "2 - Bad") + surveyLinkHTML(1, "1 - Very bad") +
		"</body></html>\n"
	if got := strings.ReplaceAll(survey.HTML, "\r\n", "\n"); got != wantHTML {
		t.Errorf("HTML part =\n%s\nwant\n%s", got, wantHTML)
	}
	if strings.Contains(survey.HTML, "src=") || strings.Contains(survey.HTML, "<style") || strings.Contains(survey.HTML, "<link") {
		t.Errorf("HTML part loads something or uses a style sheet: %q", survey.HTML)
	}
	raw := srv.sent[1].Content.Raw.Data
	for _, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("raw line of %d bytes; SMTP allows 998", len(line))
		}
	}
}

func TestSurveyBodiesEscape(t *testing.T) {
	tests := []struct {
		name     string
		option   inbox.SurveyOption
		wantText string
		wantHTML string
	}{
		{"script URL", inbox.SurveyOption{Score: 5, Label: "Excellent", URL: "javascript:alert(1)"},
			"5 - Excellent: javascript:alert(1)\n", `<p style="margin:0 0 10px 0">5 - Excellent</p>`},
		{"quote in URL", inbox.SurveyOption{Score: 4, Label: "Good", URL: `https://x.example/"onclick="alert(1)`},
			"4 - Good: https://x.example/\"onclick=\"alert(1)\n", `href="https://x.example/&#34;onclick=&#34;alert(1)"`},
		{"markup in label", inbox.SurveyOption{Score: 3, Label: "<b>Okay</b>\r\nfine", URL: "https://x.example/3"},
			"3 - <b>Okay</b> fine: https://x.example/3\n", `>3 - &lt;b&gt;Okay&lt;/b&gt; fine</a>`},
		{"no label", inbox.SurveyOption{Score: 2, URL: "https://x.example/2"},
			"2: https://x.example/2\n", `>2</a>`},
	}
	for _, tt := range tests {
		text, html := surveyBodies("Q?", &inbox.Survey{Options: []inbox.SurveyOption{tt.option}})
		if want := "Q?\n\n" + tt.wantText; text != want {
			t.Errorf("%s: text = %q; want %q", tt.name, text, want)
		}
		if !strings.Contains(html, tt.wantHTML) {
			t.Errorf("%s: HTML = %q; want it to contain %q", tt.name, html, tt.wantHTML)
		}
	}
}
