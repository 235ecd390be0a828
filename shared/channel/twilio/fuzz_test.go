package twilio

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

var formFixtures = []string{
	"sms_inbound.form-urlencoded.txt",
	"whatsapp_inbound.form-urlencoded.txt",
	"whatsapp_inbound.ADAPTED.form-urlencoded.txt",
	"whatsapp_location.CONSTRUCTED.form-urlencoded.txt",
	"mms_inbound.CONSTRUCTED.form-urlencoded.txt",
	"status_undelivered.CONSTRUCTED.form-urlencoded.txt",
	"status_whatsapp_failed.CONSTRUCTED.form-urlencoded.txt",
	"status_stop.form-urlencoded.txt",
	"status_delivered.form-urlencoded.txt",
	"status_sent.form-urlencoded.txt",
}

// FuzzParse holds the form decoder to its contract: any form gives a
// well-formed update or a 400, never a panic.
func FuzzParse(f *testing.F) {
	for _, name := range formFixtures {
		f.Add(fixture(f, name))
	}
	f.Add("MessageSid=SM1&From=%2B14133881111&NumMedia=999999999999&Latitude=91&Longitude=x")
	f.Add("MessageSid=SM1&From=whatsapp:US.ENT.1&Body=%FF%FE&ProfileName=%00a%0Ab&OptOutType=stop")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		u, err := parse(form)
		if err != nil {
			var re *requestError
			if !errors.As(err, &re) || re.status != 400 || u.message != nil || u.status != nil {
				t.Fatalf("parse(%q) = %+v, %v; want a 400 requestError", body, u, err)
			}
			return
		}
		switch {
		case u.message != nil && u.status != nil:
			t.Fatalf("parse(%q) is both a message and a status", body)
		case u.message != nil:
			m := u.message
			if !sidPattern.MatchString(m.sid) || m.address == "" || len(m.media) > maxMedia {
				t.Fatalf("parse(%q) = %+v", body, m)
			}
			if m.channel != inbox.ChannelSMS && m.channel != inbox.ChannelWhatsApp {
				t.Fatalf("parse(%q) channel = %q", body, m.channel)
			}
			if !utf8.ValidString(m.body) || strings.ContainsAny(m.name, "\r\n") || utf8.RuneCountInString(m.name) > maxNameRunes {
				t.Fatalf("parse(%q) kept unsafe text %+v", body, m)
			}
		case u.status != nil:
			r := u.status.receipt
			if !sidPattern.MatchString(r.ExternalID) || (r.Status == inbox.ReceiptFailed) != (r.Reason != "") {
				t.Fatalf("parse(%q) receipt = %+v", body, r)
			}
		}
	})
}

// FuzzVerify checks that Verify never panics, accepts what Sign signs and
// rejects the signature of any other URL.
func FuzzVerify(f *testing.F) {
	v, form := loadVector(f)
	f.Add(v.AuthToken, v.URL, form.Encode(), v.Signature)
	f.Add(v.AuthToken, "http://mycompany.com/myapp.php?foo=1&bar=2", form.Encode(), v.HTTPVariantSignature)
	for _, name := range formFixtures {
		f.Add(testToken, webhookURL, fixture(f, name), "")
	}
	f.Add("t", "https://[::1]:443/%zz", "a=1&a=0", "=")
	f.Fuzz(func(t *testing.T, token, rawURL, body, signature string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		_ = Verify(token, rawURL, form, signature)
		if token == "" {
			if Verify(token, rawURL, form, Sign(token, rawURL, form)) {
				t.Fatal("Verify accepted an empty auth token")
			}
			return
		}
		if !Verify(token, rawURL, form, Sign(token, rawURL, form)) {
			t.Fatalf("Verify(%q, %q) rejected its own signature", rawURL, body)
		}
		if other := rawURL + "x"; Verify(token, rawURL, form, Sign(token, other, form)) {
			t.Fatalf("Verify(%q) accepted the signature of %q", rawURL, other)
		}
	})
}
