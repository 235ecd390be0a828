package devstack_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/devstack"
	"github.com/switchboard-inbox/switchboard/infra/outbox"
)

// mailFrom is a customer's mail as their client sends it.
func mailFrom(from, messageID, inReplyTo, references, subject, body string) []byte {
	h := "From: Ada Lovelace <" + from + ">\r\nTo: Support <" + devstack.LocalSupportEmail + ">\r\n" +
		"Subject: " + subject + "\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\nMessage-ID: <" + messageID + ">\r\n"
	if inReplyTo != "" {
		h += "In-Reply-To: <" + inReplyTo + ">\r\nReferences: " + references + "\r\n"
	}
	return []byte(h + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

// postMail sends raw mail the way the README's curl example does.
func postMail(t *testing.T, st *devstack.Stack, raw []byte) {
	t.Helper()
	res, err := http.Post(st.URL+"/dev/email", "message/rfc822", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /dev/email = %d %s; want 202", res.StatusCode, body)
	}
	idle(t, st)
}

// sesMessageID is the Message-ID a mail sent through SES carries.
func sesMessageID(r outbox.Request) string { return r.ID + "@email.amazonses.com" }

func TestEmailConversationThreads(t *testing.T) {
	st := startStack(t, map[string]string{})
	const ada = "ada@example.com"

	first := mailFrom(ada, "m1@mail.example", "", "", "Refund for order 1234", "Hi, I was charged twice for order 1234.\n\nAda\n-- \nAda Lovelace, Analytical Engines Ltd")
	postMail(t, st, first)
	postMail(t, st, first) // SES delivered it twice
	root, replies := onlyThread(t, st)
	if len(replies) != 1 || !strings.HasPrefix(replies[0].Text, "*Ada Lovelace* · Email\nHi, I was charged twice for order 1234.\n\nAda\n:paperclip: <") ||
		strings.Contains(replies[0].Text, "Analytical Engines") || !strings.Contains(string(root.Blocks), "Email") {
		t.Fatalf("thread %+v; want the first mail once, without its signature, the original linked", replies)
	}

	// Round one: the agent answers; the mail is a reply to the customer's.
	agentReply(t, st, root, "Sorry about that, Ada. I've refunded the second charge.")
	sent := st.Outbox.Sent(outbox.SES)
	if len(sent) != 1 {
		t.Fatalf("%d mails sent; want 1", len(sent))
	}
	r1 := sent[0]
	if !strings.Contains(r1.Email.To, "<"+ada+">") || r1.Email.Subject != "Re: Refund for order 1234" || r1.Email.InReplyTo != "<m1@mail.example>" ||
		!strings.Contains(r1.Email.References, "<m1@mail.example>") || !strings.HasPrefix(r1.Email.ReplyTo, "<support+") ||
		!strings.Contains(r1.Email.Text, "refunded the second charge") || r1.Email.HTML == "" {
		r1.Email.Raw = nil
		t.Fatalf("first reply %+v; want a threaded reply to ada with a reply token", r1.Email)
	}

	// Round two: Gmail quotes the whole history under the customer's answer.
	second := mailFrom(ada, "m2@mail.example", sesMessageID(r1), "<m1@mail.example> <"+sesMessageID(r1)+">", "Re: Refund for order 1234",
		"Thanks! When will it show on my card?\n\nOn Mon, 23 Nov 2026 at 10:00, Support <support@switchboard.localhost> wrote:\n> Sorry about that, Ada. I've refunded the second charge.\n")
	postMail(t, st, second)
	_, replies = onlyThread(t, st)
	last := replies[len(replies)-1].Text
	if !strings.HasPrefix(last, "*Ada Lovelace* · Email\nThanks! When will it show on my card?") || strings.Contains(last, "refunded the second") ||
		!strings.Contains(last, "original.eml") {
		t.Fatalf("second mail shows %q; want only what Ada wrote, with the original linked", last)
	}
	agentReply(t, st, root, "Within five working days.")
	sent = st.Outbox.Sent(outbox.SES)
	r2 := sent[len(sent)-1]
	if r2.Email.InReplyTo != "<m2@mail.example>" {
		t.Errorf("second reply In-Reply-To %q; want the customer's second mail", r2.Email.InReplyTo)
	}
	for _, id := range []string{"m1@mail.example", "m2@mail.example", sesMessageID(r1)} {
		if !strings.Contains(r2.Email.References, "<"+id+">") {
			t.Errorf("second reply References %q lacks <%s>", r2.Email.References, id)
		}
	}

	// A reply that only has the reply token (its headers were lost) still
	// finds the thread.
	token := strings.TrimSuffix(strings.TrimPrefix(r2.Email.ReplyTo, "<support+"), "@switchboard.localhost>")
	third := []byte(strings.Replace(string(mailFrom(ada, "m3@mail.example", "", "", "Re: Refund", "Perfect, thanks.")),
		"To: Support <"+devstack.LocalSupportEmail+">", "To: support+"+token+"@switchboard.localhost", 1))
	postMail(t, st, third)
	_, replies = onlyThread(t, st)
	if !strings.Contains(replies[len(replies)-1].Text, "Perfect, thanks.") {
		t.Fatalf("tokened reply not in the thread: %+v", replies[len(replies)-1])
	}

	// An out-of-office reply is not a customer message.
	auto := []byte(strings.Replace(string(mailFrom(ada, "m4@mail.example", sesMessageID(r2), "<"+sesMessageID(r2)+">", "Automatic reply", "I am away.")),
		"MIME-Version", "Auto-Submitted: auto-replied\r\nMIME-Version", 1))
	postMail(t, st, auto)
	if _, again := onlyThread(t, st); len(again) != len(replies) {
		t.Errorf("auto-reply posted in the thread: %+v", again[len(again)-1])
	}

	// A bounce of the second reply fails it, in the thread.
	bounce, err := os.ReadFile("../../shared/channel/email/testdata/ses_bounce.eml")
	if err != nil {
		t.Fatal(err)
	}
	bounce = []byte(strings.ReplaceAll(string(bounce), "010001770cc8cfa3-793a9c12-1945-4a17-a44a-4191cf0c1a90-000000", r2.ID))
	postMail(t, st, bounce)
	lastReplyContains(t, st, "not delivered")

	// A new mail from the same customer with the same subject is a new
	// conversation: email threads by what it answers, never by subject.
	postMail(t, st, mailFrom(ada, "m5@mail.example", "", "", "Refund for order 1234", "A different question."))
	roots := 0
	for _, m := range st.Slack.Messages() {
		if m.ThreadTS == "" {
			roots++
		}
	}
	if roots != 2 {
		t.Errorf("%d threads; want a second one for the unrelated mail", roots)
	}
}
