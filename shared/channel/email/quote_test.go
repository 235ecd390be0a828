package email

import "testing"

// TestStripQuoted uses replies as the clients write them; the texts marked
// email_reply_parser are from github/email_reply_parser's test/emails.
func TestStripQuoted(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    string
		trimmed bool
	}{
		{"no quote", "Thanks, it works now.", "Thanks, it works now.", false},
		{"Gmail", "Sure, Tuesday works.\n\nOn Mon, 3 Jun 2024 at 10:00, Ada <a@b.c> wrote:\n> Can we talk?\n", "Sure, Tuesday works.", true},
		{
			"Gmail wrapped over two lines",
			"Yes, I am providing you step how to reproduce this issue\n\nOn Thu, Aug 19, 2021 at 2:07 PM Tejaswini from Email sender test <\ntejaswini@chatwoot.com> wrote:\n\n> Any update on this?",
			"Yes, I am providing you step how to reproduce this issue", true,
		},
		{"Gmail without a blank line before the quote", "Hello\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan One <xxx@gmail.com> wrote:\n> Hi", "Hello", true},
		{
			"Spanish, wrapped (email_reply_parser)",
			"This is a reply with Spanish quote multiline\n\nEl mié, 29 jun 2022 a las 11:08, Rick Sanchez (<rick.sanchez.email@example.com>)\nescribió:\n\n> Hello this is a test\n>",
			"This is a reply with Spanish quote multiline", true,
		},
		{
			"French, wrapped (email_reply_parser)",
			"This is a reply with French quote multiline\n\nLe mer. 29 juin 2022 à 12:32, Rick Sanchez <rick.sanchez.mail@example.com\n> a écrit :\n\n> Hello this is a test\n>",
			"This is a reply with French quote multiline", true,
		},
		{
			"German (email_reply_parser)",
			"This is a reply with German quote\n\nAm Mo., 4. Juli 2022 um 08:13 Uhr schrieb Rick Sanchez <rick@example.com>:\n\n> Hello this is a test\n>",
			"This is a reply with German quote", true,
		},
		{
			"Apple Mail",
			"Awesome! I haven't had another problem with it.\n\nOn Aug 22, 2011, at 7:37 PM, defunkt<reply@reply.github.com> wrote:\n\n\n\n\n> Loader seems to be working well.\n",
			"Awesome! I haven't had another problem with it.", true,
		},
		{"Apple Mail, header quoted", "Hello\n> On 22 Aug 2015, at 19:21, Adam Renberg <tgwizard@gmail.com> wrote:\n>\n> Hi there!", "Hello", true},
		{
			"Outlook From/Sent block",
			"Hello\n\nFrom: xxx@xxx.mailgun.org [mailto:xxx@xxx.mailgun.org]\nSent: March-09-12 4:22 PM\nTo: Dan Le\nSubject: The manager has commented on your Loop\n\nHi dan.le@example.com,",
			"Hello", true,
		},
		{
			"Outlook with a rule above the block (email_reply_parser)",
			"Outlook with a reply directly above line\n________________________________________\nFrom: CRM Comments [crm-comment@example.com]\nSent: Friday, 23 March 2012 5:08 p.m.\nTo: John S. Greene\nSubject: [contact:106] John Greene\n\nA new comment has been added to the Contact named 'John Greene':",
			"Outlook with a reply directly above line", true,
		},
		{
			"Outlook From/Date/To/Subject (email_reply_parser)",
			"I have gained valuable experience.\n\nFrom: john@example.com\nTo: shelly@example.com\nDate: Tue, 2 Oct 2012 02:35:10 +0000\nSubject: Tell us what you learned.\n\nThank you for recently participating in our class.",
			"I have gained valuable experience.", true,
		},
		{"Outlook in bold from HTML", "Done.\n\n*From:* Ada <a@b.c>\n*Sent:* Monday\n*To:* Support\n\nOld text", "Done.", true},
		{"Outlook Original Message", "Thanks for the quick fix Keith.\n\n\nJeff Lien\n\n\n-----Original Message-----\nFrom: Keith Busch <kbusch@kernel.org>\nSent: Thursday", "Thanks for the quick fix Keith.\n\n\nJeff Lien", true},
		{"German Outlook", "Danke!\n\n-----Ursprüngliche Nachricht-----\nVon: Ada", "Danke!", true},
		{"signature", "See you then.\n\n-- \nAda Lovelace\nAnalytical Engines Ltd", "See you then.", true},
		{"signature without the space", "See you then.\n--\nAda", "See you then.", true},
		{"Sent from my iPhone", "Yes please\n\nSent from my iPhone", "Yes please", true},
		{"Sent from my iPhone above the quote", "Yes please\n\nSent from my iPhone\n\n> On 3 Jun 2024, at 10:00, Ada <a@b.c> wrote:\n> Hi", "Yes please", true},
		{"Spanish iPhone", "Sí\n\nEnviado desde mi iPhone", "Sí", true},
		{"interleaved answers", "> Which plan?\nPro.\n\n> Since when?\nMarch.", "Pro.\n\nMarch.", true},
		{"quote between paragraphs", "Hi,\n\n> the old text\n\nmy answer", "Hi,\n\nmy answer", true},
		{"only a quote", "> everything is quoted\n> here", "> everything is quoted\n> here", false},
		{"only a signature", "-- \nAda", "--\nAda", false},
		{
			"paragraph starting with On (email_reply_parser)",
			"This emails tests that multiline header fix isn't catching things it shouldn't.\n\nOn friday when I tried it didn't work as expect.\n\nThis line would have been considered part of the header line.\n\nOn Wed, Apr 4, 2012 at 9:32 AM, Bob Jones <bjones@gmail.com> wrote:\n> We are still very interested",
			"This emails tests that multiline header fix isn't catching things it shouldn't.\n\nOn friday when I tried it didn't work as expect.\n\nThis line would have been considered part of the header line.",
			true,
		},
		{
			"On … ending with a colon (email_reply_parser greedy_on)",
			"On your remote host you can run:\n\n     telnet 127.0.0.1 52698\n\nThis should connect to TextMate.\n\nOn 9 Jan 2014, at 2:47, George Plymale wrote:\n\n> I am having an odd issue",
			"On your remote host you can run:\n\n     telnet 127.0.0.1 52698\n\nThis should connect to TextMate.", true,
		},
		{"dash in a sentence (email_reply_parser)", "Hi there!\n\nAnd here is a fix -- this is not a signature.\n\nkthxbai", "Hi there!\n\nAnd here is a fix -- this is not a signature.\n\nkthxbai", false},
		{"From: in a sentence", "From: the billing page I see two charges.\nCan you check?", "From: the billing page I see two charges.\nCan you check?", false},
		{"forward kept", "Please see below.\n\n---------- Forwarded message ---------\nFrom: Bank <b@bank.example>\nDate: Mon, 3 Jun 2024\nSubject: Refund\nTo: <ada@example.org>\n\nYour refund failed.", "Please see below.\n\n---------- Forwarded message ---------\nFrom: Bank <b@bank.example>\nDate: Mon, 3 Jun 2024\nSubject: Refund\nTo: <ada@example.org>\n\nYour refund failed.", false},
		{"CRLF and trailing spaces", "Hello  \r\n\r\nOn Mon, 3 Jun 2024 at 10:00, Ada <a@b.c> wrote:\r\n> Hi\r\n", "Hello", true},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, trimmed := StripQuoted(tt.text)
			if got != tt.want || trimmed != tt.trimmed {
				t.Errorf("StripQuoted(%q) = %q, %v; want %q, %v", tt.text, got, trimmed, tt.want, tt.trimmed)
			}
		})
	}
}
