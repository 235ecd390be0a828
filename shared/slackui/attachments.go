package slackui

import (
	"fmt"
	"strings"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// maxListedAttachments keeps a message with a hundred inline images
// within Slack's text limit; the rest are counted.
const maxListedAttachments = 20

// attachmentLines lists a message's files, one line each, linked when
// links are configured. File names come from the customer: escaped, and
// flattened to one line so they cannot fake a line of their own.
func (c *Client) attachmentLines(as []inbox.Attachment) string {
	var b strings.Builder
	for i, a := range as {
		if i == maxListedAttachments {
			fmt.Fprintf(&b, "\n…and %d more files", len(as)-i)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		name := Escape(Truncate(strings.Join(strings.Fields(a.Name), " "), 120))
		if name == "" {
			name = "file"
		}
		url := ""
		if c.MediaURL != nil {
			url = c.MediaURL(a)
		}
		if url != "" {
			fmt.Fprintf(&b, ":paperclip: <%s|%s>", url, name)
		} else {
			fmt.Fprintf(&b, ":paperclip: %s", name)
		}
		fmt.Fprintf(&b, " · %s", humanSize(a.Size))
	}
	return b.String()
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
