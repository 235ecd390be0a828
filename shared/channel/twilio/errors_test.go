package twilio

import "testing"

func TestDescribe(t *testing.T) {
	tests := []struct {
		code, message, want string
	}{
		{"30005", "Unknown destination handset", "Twilio error 30005: Unknown destination handset (the number does not exist or is no longer in service)"},
		{"30006", "", "Twilio error 30006: The number is a landline or its carrier cannot receive text messages"},
		{"30007", "", "Twilio error 30007: The carrier filtered the message as spam"},
		{"30008", "", "Twilio error 30008 (twilio.com/docs/api/errors/30008)"},
		{"", "Queue overflow.", "Twilio: Queue overflow"},
		{"", "", "Twilio could not deliver the message and gave no reason"},
		{"3000\n3", "a\r\nb", "Twilio error 3000 3: a b"},
	}
	for _, tt := range tests {
		if got := describe(tt.code, tt.message); got != tt.want {
			t.Errorf("describe(%q, %q) = %q; want %q", tt.code, tt.message, got, tt.want)
		}
	}
}
