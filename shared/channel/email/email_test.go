package email

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func mustParse(t *testing.T, name string) *Email {
	t.Helper()
	e, err := Parse(readFixture(t, name))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return e
}

type wantFile struct {
	name, contentType string
	size              int
	inline            bool
}

// TestParseFixtures checks, for each real mail, what the thread will show
// and how the mail threads.
func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file       string
		kind       Kind
		from, name string
		subject    string
		messageID  string
		text       string
		trimmed    bool
		refs       []string
		files      []wantFile
	}{
		{
			file: "gmail_reply.eml", kind: KindCustomer, from: "sony@chatwoot.com", name: "Sony Mathew",
			subject:   "Re: Checking mail forwarding to cw inbox",
			messageID: "CAFkiBVwJjO_k_e-LpiKi7MAQAKbHX5nkEPcf0y1R=bjcEHogMg@mail.gmail.com",
			text:      "Yes, I am providing you step how to reproduce this issue", trimmed: true,
			refs: []string{
				"0100017b5d8efc70-c7f18809-aa55-48f6-91fd-b626092ed8b3-000000@email.amazonses.com",
				"CAFkiBVxGoURoqdkY-O_25F-8b41kb-GWBc6hh4Djd5ynwOikXA@mail.gmail.com",
			},
		},
		{
			file: "gmail_short.eml", kind: KindCustomer, from: "xxx@gmail.com", name: "Megan One", subject: "Re: Test",
			messageID: "CAKsfaBW4hj0Gek6TwbR3erng4P1y0CZzJ0d=pXtCNnYnbe7PLg@mail.gmail.com",
			text:      "Hello", trimmed: true,
		},
		{
			file: "apple_mail_reply.eml", kind: KindCustomer, from: "adam@tictail.com", name: "Adam Renberg",
			subject: "Re: Hello there", messageID: "68001B29-8EA4-444C-A894-0537D2CA5208@tictail.com",
			text: "Hello", trimmed: true,
			refs: []string{"CABzQGhkMXDxUt_tSVQcg=43aniUhtsVfCZVzu-PG0kwS_uzqMw@mail.gmail.com"},
		},
		{
			file: "outlook_from_sent.eml", kind: KindCustomer, from: "me@example.com", subject: "Test",
			text: "Hello", trimmed: true,
		},
		{
			file: "outlook_original_message.eml", kind: KindCustomer, from: "jeff.lien@wdc.com", name: "Jeffrey Lien",
			subject:   "RE: Issue With NVME CLI list Command",
			messageID: "CY4PR04MB1175591968942C0302603870EA940@CY4PR04MB1175.namprd04.prod.outlook.com",
			text:      "Thanks for the quick fix Keith.\n\n\nJeff Lien", trimmed: true,
			refs: []string{
				"20191010193920.GC22635@washi1.fujisawa.hgst.com",
				"20191010192318.GB22635@washi1.fujisawa.hgst.com",
				"CY4PR04MB117531DFE8560BD3A72787CFEA940@CY4PR04MB1175.namprd04.prod.outlook.com",
			},
		},
		{
			file: "windows_1252.eml", kind: KindCustomer, from: "pdel@fb.com", name: "Peter Delevoryas",
			subject:   "Re: [PATCH 2/5] hw/arm/aspeed: Select console UART from machine",
			messageID: "BYAPR15MB3032BA6C3556797AC2A3461CACC99@BYAPR15MB3032.namprd15.prod.outlook.com",
			text: "I think I’m a little confused on this part. What I meant by “most machines just use UART5” was that " +
				"most DTS’s use “stdout-path=&uart5”, but fuji uses “stdout-path=&uart1”. I do see that SCU510 includes " +
				"a bit related to UART, but it’s for disabling booting from UART1 and UART5. I just care about the " +
				"console aspect, not booting.\n\nI don’t know what the platform.S AST_SCU_MFP_CTRL7 changes do (maybe " +
				"setting some GPIO for UART1?), but as far as I understand, I don’t think using UART1 should require " +
				"any extra registers from the datasheet.",
			trimmed: true,
			refs: []string{
				"7a53d5e9-52c2-a06b-1385-fd71a96d7486@kaod.org",
				"20210827210417.4022054-3-pdel@fb.com",
				"20210827210417.4022054-1-pdel@fb.com",
			},
		},
		{
			file: "iso_8859_1.eml", kind: KindCustomer, from: "doug@example.com", name: "Doug Sauder",
			subject: "Test message from Microsoft Outlook 00", messageID: "02.eml@mime.sample",
			text: "Die Hasen und die Frösche",
			files: []wantFile{
				{"blueball2.png", "image/png", 1325, false},
				{"greenball.png", "image/png", 1298, false},
				{"redball.png", "image/png", 1453, false},
			},
		},
		{
			file: "shift_jis.eml", kind: KindCustomer, from: "xxxxxxx@docomo.ne.jp", subject: "test",
			messageID: "xxxxx@docomo.ne.jp",
			text:      "あいうえお\n\nこのメールはテスト用のメールです。\n\n今後ともよろしくお願い申し上げます！",
		},
		{
			file: "gb2312.eml", kind: KindCustomer, from: "kunming.xie@hotmail.com", name: "谢 昆明",
			subject:   "why does X11 SHM backend is not compatible with GTK3?",
			messageID: "HK2PR0401MB19568DF216DAD036441DC658E8C80@HK2PR0401MB1956.apcprd04.prod.outlook.com",
			text:      "Why does it not compatible?", trimmed: true,
		},
		{
			file: "html_only.eml", kind: KindCustomer, from: "tejaswini@ex.com", subject: "test html only mail",
			messageID: "6215d71711c38_10bc61914022323@tejaswinis-MacBook-Pro.local.mail",
			text:      "This is html only mail",
		},
		{
			file: "attachments.eml", kind: KindCustomer, from: "ada.lovelace@example.org", name: "Ada Loveláce",
			subject:   "Invoice 1042 is wrong",
			messageID: "CAH8yC8kE2mN0pQ4rS6tU8vW0xY2zA4bC6dE8fG0hI2jK4lM6nO@mail.gmail.com",
			text:      "Hi, the invoice I got charges me twice. Screenshot:\n\n[image: screenshot.png]\n\nThe PDF is attached.\n\nAda",
			files: []wantFile{
				{"invoice-1042.pdf", "application/pdf", 389, false},
				{"screenshot.png", "image/png", 69, true},
			},
		},
		{
			file: "chatwoot_mail_with_references.eml", kind: KindCustomer, from: "sony@chatwoot.com", name: "Sony Mathew",
			subject:   "Discussion: Let's debate these attachments",
			messageID: "0CB459E0-0336-41DA-BC88-E6E28C697DDBF@chatwoot.com",
			text:      "Email with references header",
			refs:      []string{"4e6e35f5a38b4_479f13bb90078178@small-app-01.mail", "test-reference-id"},
		},
		{
			file: "auto_reply.eml", kind: KindAutoReply, from: "example@gmail.com", name: "متجر سوق نت",
			subject:   "أهلين عميلنا الكريم",
			messageID: "CAEjnyt3uiyywAF3SrJzEedMRV5H5XG4aYvFrGdFwxtuGoRCc0w@mail.gmail.com",
			text:      "أنظروا، أنا أحتاجها فقط لتقوم بالتدقيق في مقالتي الشخصية",
			refs:      []string{"4e6e35f5a38b4_479f13bb90078178@small-app-01.mail"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			e := mustParse(t, tt.file)
			if e.Kind != tt.kind {
				t.Errorf("Kind = %q; want %q", e.Kind, tt.kind)
			}
			if e.From != tt.from || e.FromName != tt.name {
				t.Errorf("From = %q, %q; want %q, %q", e.From, e.FromName, tt.from, tt.name)
			}
			if e.Subject != tt.subject {
				t.Errorf("Subject = %q; want %q", e.Subject, tt.subject)
			}
			if e.MessageID != tt.messageID {
				t.Errorf("MessageID = %q; want %q", e.MessageID, tt.messageID)
			}
			if e.Text != tt.text || e.Trimmed != tt.trimmed {
				t.Errorf("Text, Trimmed = %q, %v; want %q, %v", e.Text, e.Trimmed, tt.text, tt.trimmed)
			}
			if !slices.Equal(e.References, tt.refs) {
				t.Errorf("References = %q; want %q", e.References, tt.refs)
			}
			if !tt.trimmed && e.Text != e.FullText {
				t.Errorf("FullText = %q; want the Text of an untrimmed mail", e.FullText)
			}
			var files []wantFile
			for _, p := range e.Attachments {
				files = append(files, wantFile{p.Name, p.ContentType, len(p.Content), p.Inline})
			}
			if !slices.Equal(files, tt.files) {
				t.Errorf("Attachments = %+v; want %+v", files, tt.files)
			}
		})
	}
}

func TestParseRecipients(t *testing.T) {
	e := mustParse(t, "windows_1252.eml")
	if want := []string{"clg@kaod.org"}; !slices.Equal(e.To, want) {
		t.Errorf("To = %q; want %q", e.To, want)
	}
	if want := []string{"joel@jms.id.au", "qemu-devel@nongnu.org", "qemu-arm@nongnu.org"}; !slices.Equal(e.Cc, want) {
		t.Errorf("Cc = %q; want %q", e.Cc, want)
	}
	if e.Date.IsZero() || e.Date.UTC().Format("2006-01-02 15:04") != "2021-08-28 15:58" {
		t.Errorf("Date = %v; want 2021-08-28 15:58 UTC", e.Date)
	}
	e, err := Parse([]byte("From: =?utf-8?q?Lovelace=2C_Ada?= <Ada@Example.org>\r\nTo: =?utf-8?q?S=C3=BCpport=2C_Team?= <support@example.com>, b@example.com\r\n\r\nHi\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e.From != "ada@example.org" || e.FromName != "Lovelace, Ada" || !slices.Equal(e.To, []string{"support@example.com", "b@example.com"}) {
		t.Errorf("From, FromName, To = %q, %q, %q; want ada@example.org, Lovelace, Ada, [support@example.com b@example.com]", e.From, e.FromName, e.To)
	}
	if e := mustParse(t, "shift_jis.eml"); !slices.Equal(e.DeliveredTo, []string{"unknown@example.com"}) {
		t.Errorf("DeliveredTo = %q; want [unknown@example.com]", e.DeliveredTo)
	}
}

func TestParseBounces(t *testing.T) {
	tests := []struct {
		file   string
		ids    []string
		reason string
	}{
		{
			file: "ses_bounce.eml",
			ids:  []string{"010001770cc8cfa3-793a9c12-1945-4a17-a44a-4191cf0c1a90-000000@email.amazonses.com"},
			reason: "Delivery to deliveryfailure@thisemail.com failed (4.4.7, the message expired before it could be delivered): " +
				"554 4.4.7 Message expired: unable to deliver in 840 minutes.<451 4.7.651 The mail server [54.240.8.61] has been " +
				"temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com " +
				"(S844) [AM7EUR06FT034.eop-eur06.prod.protection.outlook.com]>",
		},
		{
			file: "gmail_bounce.eml",
			ids:  []string{"conversation/93775311-9416-4428-964b-862001f8a8b2/messages/27855337@gmail.com"},
			reason: "Delivery to alex.jones@fictionalcorp.com failed: 550 5.1.1 The email account that you tried to reach " +
				"does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. " +
				"For more information, go to https://support.google.com/mail/?p=NoSuchUser d2e1a72fcca58-74ce2b0525csor332154b3a.0 - gsmtp",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			e := mustParse(t, tt.file)
			if e.Kind != KindBounce || e.Bounce == nil {
				t.Fatalf("Kind = %q, Bounce = %v; want a bounce", e.Kind, e.Bounce)
			}
			if !slices.Equal(e.Bounce.OriginalMessageIDs, tt.ids) {
				t.Errorf("OriginalMessageIDs = %q; want %q", e.Bounce.OriginalMessageIDs, tt.ids)
			}
			if e.Bounce.Reason != tt.reason {
				t.Errorf("Reason = %q; want %q", e.Bounce.Reason, tt.reason)
			}
		})
	}
}

// TestClassify covers the headers that make a mail automatic, and those
// that deliberately do not.
func TestClassify(t *testing.T) {
	const body = "\r\n\r\nHello\r\n"
	report := func(reportType, status string) string {
		return "From: MAILER-DAEMON@example.net\r\nTo: support@example.com\r\nSubject: Report\r\n" +
			"Content-Type: multipart/report; report-type=" + reportType + "; boundary=b\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nA report.\r\n" +
			"--b\r\nContent-Type: message/" + reportType + "\r\n\r\n" + status + "\r\n" +
			"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <ours@email.amazonses.com>\r\n" +
			"--b--\r\n"
	}
	tests := []struct {
		name string
		raw  string
		want Kind
	}{
		{"plain mail", "From: a@example.org\r\nSubject: Hi" + body, KindCustomer},
		{"Auto-Submitted: no", "From: a@example.org\r\nAuto-Submitted: no" + body, KindCustomer},
		{"List-Id alone", "From: team@example.org\r\nList-Id: <team.example.org>" + body, KindCustomer},
		{"Auto-Submitted: auto-replied", "From: a@example.org\r\nAuto-Submitted: auto-replied" + body, KindAutoReply},
		{"Auto-Submitted: auto-generated", "From: a@example.org\r\nAuto-Submitted: auto-generated; owner=x" + body, KindAutoReply},
		{"X-Autoreply", "From: a@example.org\r\nX-Autoreply: yes" + body, KindAutoReply},
		{"X-Autorespond", "From: a@example.org\r\nX-Autorespond: on" + body, KindAutoReply},
		{"Precedence: bulk", "From: a@example.org\r\nPrecedence: bulk" + body, KindAutoReply},
		{"Precedence: junk", "From: a@example.org\r\nPrecedence: junk" + body, KindAutoReply},
		{"Precedence: list", "From: a@example.org\r\nPrecedence: list" + body, KindAutoReply},
		{"mailer-daemon notice", "From: Mailer-Daemon@example.net" + body, KindAutoReply},
		{"read receipt", report("disposition-notification", "Final-Recipient: rfc822; a@example.org\r\nDisposition: manual-action/MDN-sent-manually; displayed"), KindAutoReply},
		{"delayed delivery", report("delivery-status", "Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nAction: delayed\r\nStatus: 4.4.1"), KindAutoReply},
		{"failed delivery", report("delivery-status", "Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 5.1.1"), KindBounce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse([]byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if e.Kind != tt.want {
				t.Errorf("Kind = %q; want %q", e.Kind, tt.want)
			}
			if e.Kind == KindBounce {
				if want := []string{"ours@email.amazonses.com"}; !slices.Equal(e.Bounce.OriginalMessageIDs, want) {
					t.Errorf("OriginalMessageIDs = %q; want %q", e.Bounce.OriginalMessageIDs, want)
				}
				if want := "Delivery to a@example.org failed (5.1.1, the address does not exist)"; e.Bounce.Reason != want {
					t.Errorf("Reason = %q; want %q", e.Bounce.Reason, want)
				}
			}
		})
	}
}

func TestReferences(t *testing.T) {
	tests := []struct {
		name                   string
		inReplyTo, refs, ownID string
		want                   []string
	}{
		{"none", "", "", "m@x", nil},
		{"newest first", "<c@x>", "<a@x> <b@x> <c@x>", "m@x", []string{"c@x", "b@x", "a@x"}},
		{"In-Reply-To not in References", "<d@x>", "<a@x>\r\n <b@x>", "m@x", []string{"d@x", "b@x", "a@x"}},
		{"own id and repeats dropped", "<a@x>", "<m@x> <a@x> <a@x>", "m@x", []string{"a@x"}},
		{"ids without brackets", "a@x", "b@x, c@x", "m@x", []string{"a@x", "c@x", "b@x"}},
		{"junk between ids", "", "<a@x> (comment) <b@x>", "", []string{"b@x", "a@x"}},
		{"unclosed bracket", "<a@x", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := references(tt.inReplyTo, tt.refs, tt.ownID); !slices.Equal(got, tt.want) {
				t.Errorf("references(%q, %q) = %q; want %q", tt.inReplyTo, tt.refs, got, tt.want)
			}
		})
	}
	var many []string
	for i := range 100 {
		many = append(many, "<"+strings.Repeat("x", i%7+1)+string(rune('a'+i%26))+"@"+strings.Repeat("y", i/26+1)+">")
	}
	if got := references("", strings.Join(many, " "), ""); len(got) != maxReferences {
		t.Errorf("len(references of 100 ids) = %d; want %d", len(got), maxReferences)
	}
}
