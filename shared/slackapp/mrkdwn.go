package slackapp

import (
	"regexp"
	"strings"
)

// Slack hands a message's text in its own markup: &, < and > escaped,
// links as <url|label>, mentions as <@U123>, broadcasts as <!here>.
var (
	controlSequence = regexp.MustCompile(`<([^<>]*)>`)
	entityDecoder   = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// PlainText turns an agent's Slack text into what a customer should read:
// links become "label (url)" or the bare url, mentions and broadcasts turn
// into readable words, and escapes are undone last so that an agent's
// literal "&lt;" stays as typed.
func PlainText(s string) string {
	s = controlSequence.ReplaceAllStringFunc(s, func(seq string) string {
		inner := seq[1 : len(seq)-1]
		target, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
			if hasLabel {
				return target[:1] + label
			}
			return target[:1] + "someone"
		case strings.HasPrefix(target, "!"):
			if hasLabel {
				return label
			}
			return "@" + strings.TrimPrefix(target, "!")
		case !hasLabel, label == bareLink(target), label == withoutWebScheme(target):
			return bareLink(target)
		default:
			return label + " (" + target + ")"
		}
	})
	return strings.TrimSpace(entityDecoder.Replace(s))
}

// bareLink is a link as a customer should read it: an email address or
// phone number without its scheme, a web address whole. Slack labels a
// typed "example.com/x" with just that, which is no link outside Slack.
func bareLink(target string) string {
	for _, scheme := range []string{"mailto:", "tel:"} {
		if strings.HasPrefix(target, scheme) {
			return strings.TrimPrefix(target, scheme)
		}
	}
	return target
}

func withoutWebScheme(target string) string {
	return strings.TrimPrefix(strings.TrimPrefix(target, "https://"), "http://")
}
