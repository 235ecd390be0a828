package slackui

import (
	"strings"
	"testing"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func TestAttachmentLines(t *testing.T) {
	c := &Client{MediaURL: func(a inbox.Attachment) string { return "https://inbox.example/media/" + a.Key + "?sig=x" }}
	got := c.attachmentLines([]inbox.Attachment{
		{Name: "invoice.pdf", Size: 2 << 20, Key: "email/1/0"},
		{Name: "<https://evil.example|click> @channel\nfake line", Size: 512, Key: "email/1/1"},
	})
	want := ":paperclip: <https://inbox.example/media/email/1/0?sig=x|invoice.pdf> · 2.0 MB\n" +
		":paperclip: <https://inbox.example/media/email/1/1?sig=x|&lt;https://evil.example|click&gt; @\u2060channel fake line> · 512 bytes"
	if got != want {
		t.Errorf("attachmentLines =\n%s\nwant\n%s", got, want)
	}
	unlinked := (&Client{}).attachmentLines([]inbox.Attachment{{Name: "a.png", Size: 3000}})
	if unlinked != ":paperclip: a.png · 2 KB" {
		t.Errorf("without links = %q", unlinked)
	}
	many := make([]inbox.Attachment, maxListedAttachments+5)
	if lines := c.attachmentLines(many); !strings.HasSuffix(lines, "…and 5 more files") {
		t.Errorf("many attachments end %q; want a count of the rest", lines[len(lines)-30:])
	}
}

func TestCustomerNameFallsBackToAddress(t *testing.T) {
	tests := []struct {
		conv inbox.Conversation
		want string
	}{
		{inbox.Conversation{Channel: inbox.ChannelSMS, Address: "+14133881111"}, "+14133881111"},
		{inbox.Conversation{Channel: inbox.ChannelEmail, Address: "ada@example.com", CustomerName: "Ada"}, "Ada"},
		{inbox.Conversation{Channel: inbox.ChannelChat, Address: "f0a1b2c3d4e5f6a7b8"}, "Visitor"},
	}
	for _, tt := range tests {
		if got := customerName(tt.conv, inbox.Message{}); got != tt.want {
			t.Errorf("customerName(%s %s) = %q; want %q", tt.conv.Channel, tt.conv.Address, got, tt.want)
		}
	}
}
