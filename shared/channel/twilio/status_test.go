package twilio

import (
	"testing"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func TestHandlerStatus(t *testing.T) {
	const sid = "SMe287d7109a5a925f182f0e07fe5b223b"
	const waSID = "SM0b6e2697aae04182a9f5b5c7a8994c7f"
	undelivered := fixture(t, "status_undelivered.CONSTRUCTED.form-urlencoded.txt")
	tests := []struct {
		name       string
		body       string
		want       []inbox.Receipt
		wantOptOut map[string]bool
	}{
		{"undelivered", undelivered, []inbox.Receipt{{Channel: inbox.ChannelSMS, ExternalID: sid, Status: inbox.ReceiptFailed,
			Reason: "Twilio error 30003: Unreachable destination handset (the phone is off or out of coverage)", At: testNow}}, nil},
		{"delivered", fixture(t, "status_delivered.form-urlencoded.txt"),
			[]inbox.Receipt{{Channel: inbox.ChannelSMS, ExternalID: sid, Status: inbox.ReceiptDelivered, At: testNow}}, nil},
		{"read", withFields(t, fixture(t, "status_whatsapp_failed.CONSTRUCTED.form-urlencoded.txt"), map[string]string{"MessageStatus": "read", "ErrorCode": "", "ErrorMessage": ""}),
			[]inbox.Receipt{{Channel: inbox.ChannelWhatsApp, ExternalID: waSID, Status: inbox.ReceiptRead, At: testNow}}, nil},
		{"WhatsApp window closed", fixture(t, "status_whatsapp_failed.CONSTRUCTED.form-urlencoded.txt"),
			[]inbox.Receipt{{Channel: inbox.ChannelWhatsApp, ExternalID: waSID, Status: inbox.ReceiptFailed,
				Reason: "Twilio error 63016: Outside WhatsApp's 24-hour window: only an approved template can be sent until the customer writes again", At: testNow}}, nil},
		{"recipient texted STOP", fixture(t, "status_stop.form-urlencoded.txt"),
			[]inbox.Receipt{{Channel: inbox.ChannelSMS, ExternalID: sid, Status: inbox.ReceiptFailed,
				Reason: "Twilio error 21610: The customer texted STOP; they must text START before we can message them", At: testNow}},
			map[string]bool{"sms#+12028831111": true}},
		{"unknown code", withFields(t, undelivered, map[string]string{"ErrorCode": "30410", "ErrorMessage": "Provider Timeout Error."}),
			[]inbox.Receipt{{Channel: inbox.ChannelSMS, ExternalID: sid, Status: inbox.ReceiptFailed, Reason: "Twilio error 30410: Provider Timeout Error", At: testNow}}, nil},
		{"no code", withFields(t, undelivered, map[string]string{"ErrorCode": ""}),
			[]inbox.Receipt{{Channel: inbox.ChannelSMS, ExternalID: sid, Status: inbox.ReceiptFailed, Reason: "Twilio could not deliver the message and gave no reason", At: testNow}}, nil},
		{"sent is ignored", fixture(t, "status_sent.form-urlencoded.txt"), nil, nil},
		{"queued is ignored", withFields(t, undelivered, map[string]string{"MessageStatus": "queued"}), nil, nil},
		{"a new status is ignored", withFields(t, undelivered, map[string]string{"MessageStatus": "partially_delivered"}), nil, nil},
	}
	for _, tt := range tests {
		e := newEnv()
		wantTwiML(t, e.post(t, webhookURL, webhookURL, tt.body))
		if len(e.ingest.got) != 0 {
			t.Errorf("%s: ingested a status callback as a message", tt.name)
		}
		if len(e.receipts.got) != len(tt.want) {
			t.Errorf("%s: receipts = %+v; want %+v", tt.name, e.receipts.got, tt.want)
			continue
		}
		for i := range tt.want {
			if e.receipts.got[i] != tt.want[i] {
				t.Errorf("%s: receipt = %+v; want %+v", tt.name, e.receipts.got[i], tt.want[i])
			}
		}
		if len(e.optOuts.optedOut) != len(tt.wantOptOut) {
			t.Errorf("%s: opt-outs = %v; want %v", tt.name, e.optOuts.optedOut, tt.wantOptOut)
		}
		for k, v := range tt.wantOptOut {
			if e.optOuts.optedOut[k] != v {
				t.Errorf("%s: opted out %s = %v; want %v", tt.name, k, e.optOuts.optedOut[k], v)
			}
		}
	}
}
