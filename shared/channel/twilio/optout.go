package twilio

import (
	"strings"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// optChange is what a message does to the sender's opt-out.
type optChange int

const (
	optNone optChange = iota
	optOut
	optIn
)

// defaultKeywords are the whole-message keywords Twilio acts on by itself
// on SMS long codes and toll-free numbers (help.twilio.com, "Twilio
// support for opt-out keywords"), case-insensitively.
var defaultKeywords = map[string]optChange{
	"STOP": optOut, "STOPALL": optOut, "UNSUBSCRIBE": optOut, "CANCEL": optOut,
	"END": optOut, "QUIT": optOut, "REVOKE": optOut, "OPTOUT": optOut,
	"START": optIn, "UNSTOP": optIn, "YES": optIn,
}

// classifyOptOut mirrors what Twilio's blocklist did with a message, so a
// reply is refused here exactly when Twilio would refuse it. With Advanced
// Opt-Out, Twilio says what it did in OptOutType (STOP, START or HELP) and
// its keywords are the operator's, so that is the answer. Without it,
// Twilio applies the default keywords to SMS only: on WhatsApp a customer
// answering "cancel" is talking, not unsubscribing.
func classifyOptOut(ch inbox.Channel, body, optOutType string) optChange {
	if t := strings.ToUpper(strings.TrimSpace(optOutType)); t != "" {
		switch t {
		case "STOP":
			return optOut
		case "START":
			return optIn
		default:
			return optNone
		}
	}
	if ch != inbox.ChannelSMS {
		return optNone
	}
	return defaultKeywords[strings.ToUpper(strings.TrimSpace(body))]
}

func optOutNote(ch inbox.Channel) string {
	return "[The customer opted out of messages on " + ch.Label() + "; replies will not be sent until they text START]"
}

func optInNote(ch inbox.Channel) string {
	return "[The customer opted back in to messages on " + ch.Label() + "]"
}
