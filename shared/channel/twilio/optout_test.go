package twilio

import (
	"fmt"
	"testing"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func TestHandlerOptOut(t *testing.T) {
	sms := fixture(t, "sms_inbound.form-urlencoded.txt")
	wa := fixture(t, "whatsapp_inbound.ADAPTED.form-urlencoded.txt")
	smsKey, waKey := "sms#+14133881111", "whatsapp#+14133881111"
	// One customer texts in sequence; each step sees the opt-outs the
	// earlier ones left.
	steps := []struct {
		name       string
		base       string
		fields     map[string]string
		wantText   string
		wantOptOut map[string]bool
	}{
		{"ordinary yes changes nothing", sms, map[string]string{"Body": "Yes"}, "Yes", map[string]bool{}},
		{"STOP", sms, map[string]string{"Body": "STOP"},
			"STOP\n[The customer opted out of messages on SMS; replies will not be sent until they text START]",
			map[string]bool{smsKey: true}},
		{"start in any case", sms, map[string]string{"Body": " start "},
			"start\n[The customer opted back in to messages on SMS]", map[string]bool{smsKey: false}},
		{"unsubscribe", sms, map[string]string{"Body": "Unsubscribe"},
			"Unsubscribe\n[The customer opted out of messages on SMS; replies will not be sent until they text START]",
			map[string]bool{smsKey: true}},
		{"a sentence is not a keyword", sms, map[string]string{"Body": "please stop"}, "please stop", map[string]bool{smsKey: true}},
		{"unstop", sms, map[string]string{"Body": "UNSTOP"}, "UNSTOP\n[The customer opted back in to messages on SMS]", map[string]bool{smsKey: false}},
		{"cancel on WhatsApp is conversation", wa, map[string]string{"Body": "cancel"}, "cancel", map[string]bool{smsKey: false}},
		{"Advanced Opt-Out on WhatsApp", wa, map[string]string{"Body": "baja", "OptOutType": "STOP"},
			"baja\n[The customer opted out of messages on WhatsApp; replies will not be sent until they text START]",
			map[string]bool{smsKey: false, waKey: true}},
		{"Advanced Opt-Out HELP", sms, map[string]string{"Body": "STOP", "OptOutType": "HELP"}, "STOP", map[string]bool{smsKey: false, waKey: true}},
	}
	e := newEnv()
	for i, st := range steps {
		fields := map[string]string{"MessageSid": fmt.Sprintf("SM%032d", i)}
		for k, v := range st.fields {
			fields[k] = v
		}
		wantTwiML(t, e.post(t, webhookURL, webhookURL, withFields(t, st.base, fields)))
		got := e.ingest.got[len(e.ingest.got)-1]
		if got.Text != st.wantText {
			t.Errorf("%s: Text = %q; want %q", st.name, got.Text, st.wantText)
		}
		if len(e.optOuts.optedOut) != len(st.wantOptOut) {
			t.Errorf("%s: opt-outs = %v; want %v", st.name, e.optOuts.optedOut, st.wantOptOut)
		}
		for k, want := range st.wantOptOut {
			if got, ok := e.optOuts.optedOut[k]; !ok || got != want {
				t.Errorf("%s: opted out %s = %v; want %v", st.name, k, got, want)
			}
		}
	}
}

func TestClassifyOptOut(t *testing.T) {
	tests := []struct {
		ch         inbox.Channel
		body, kind string
		want       optChange
	}{
		{inbox.ChannelSMS, "stopall", "", optOut},
		{inbox.ChannelSMS, "End", "", optOut},
		{inbox.ChannelSMS, "QUIT\n", "", optOut},
		{inbox.ChannelSMS, "Revoke", "", optOut},
		{inbox.ChannelSMS, "optout", "", optOut},
		{inbox.ChannelSMS, "stop.", "", optNone},
		{inbox.ChannelSMS, "yes", "", optIn},
		{inbox.ChannelSMS, "arret", "STOP", optOut},
		{inbox.ChannelSMS, "STOP", "start", optIn},
		{inbox.ChannelWhatsApp, "STOP", "", optNone},
		{inbox.ChannelWhatsApp, "alta", "START", optIn},
	}
	for _, tt := range tests {
		if got := classifyOptOut(tt.ch, tt.body, tt.kind); got != tt.want {
			t.Errorf("classifyOptOut(%s, %q, %q) = %d; want %d", tt.ch, tt.body, tt.kind, got, tt.want)
		}
	}
}
