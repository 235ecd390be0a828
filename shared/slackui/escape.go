// Package slackui is Switchboard's face in Slack: the Block Kit cards and
// thread posts of a conversation, and the escaping that keeps customer text
// from pinging or misleading anyone.
package slackui

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// broadcast matches the words Slack may turn into @channel-style pings.
var broadcast = regexp.MustCompile(`(?i)@(channel|here|everyone)\b`)

// Escape makes untrusted text safe for Slack mrkdwn. Slack's control
// sequences all start with "<" (<!channel>, <@U123>, <https://x|label>),
// so escaping &, < and > disarms every ping, mention and disguised link;
// a word joiner after a bare "@" also stops "@here" from pinging in a
// workspace or client that links names.
func Escape(s string) string {
	s = mrkdwnEscaper.Replace(s)
	return broadcast.ReplaceAllString(s, "@\u2060$1")
}

// Truncate shortens s to at most max runes, marking the cut, so long
// customer messages fit Block Kit's text limits (3,000 characters for a
// section) instead of making Slack reject the whole post.
func Truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:max-1]), isSpace) + "…"
}

func isSpace(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }

// Quote formats escaped text as a mrkdwn block quote. The quote marks are
// literal ">" characters, which Escape never leaves in customer text.
func Quote(escaped string) string {
	return "> " + strings.ReplaceAll(escaped, "\n", "\n> ")
}
