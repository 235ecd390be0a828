package twilio

import "strings"

// codeOptedOut is Twilio's error for a recipient who texted STOP.
const codeOptedOut = "21610"

// errorTexts says in plain words what the Twilio errors agents meet most
// mean (twilio.com/docs/api/errors/<code>).
var errorTexts = map[string]string{
	"20003":      "Twilio rejected the account credentials",
	"21211":      "The customer's phone number is not valid",
	codeOptedOut: "The customer texted STOP; they must text START before we can message them",
	"21614":      "The customer's number cannot receive text messages",
	"21617":      "The reply is longer than Twilio's 1,600-character limit",
	"30003":      "Unreachable destination handset (the phone is off or out of coverage)",
	"30005":      "Unknown destination handset (the number does not exist or is no longer in service)",
	"30006":      "The number is a landline or its carrier cannot receive text messages",
	"30007":      "The carrier filtered the message as spam",
	"63016":      "Outside WhatsApp's 24-hour window: only an approved template can be sent until the customer writes again",
}

// describe turns a Twilio error code and message into the reason an agent
// reads in the thread.
func describe(code, message string) string {
	code = oneLine(code, 12)
	message = oneLine(message, 300)
	if text, ok := errorTexts[code]; ok {
		return "Twilio error " + code + ": " + text
	}
	switch {
	case code != "" && message != "":
		return "Twilio error " + code + ": " + strings.TrimSuffix(message, ".")
	case code != "":
		return "Twilio error " + code + " (twilio.com/docs/api/errors/" + code + ")"
	case message != "":
		return "Twilio: " + strings.TrimSuffix(message, ".")
	default:
		return "Twilio could not deliver the message and gave no reason"
	}
}
