package twilio

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

type signatureVector struct {
	AuthToken            string            `json:"auth_token"`
	URL                  string            `json:"url"`
	Params               map[string]string `json:"params"`
	Signature            string            `json:"X-Twilio-Signature"`
	HTTPVariantSignature string            `json:"http_variant_signature"`
}

func loadVector(t testing.TB) (signatureVector, url.Values) {
	t.Helper()
	var v signatureVector
	if err := json.Unmarshal([]byte(fixture(t, "signature_vector.json")), &v); err != nil {
		t.Fatal(err)
	}
	form := url.Values{}
	for k, val := range v.Params {
		form.Set(k, val)
	}
	return v, form
}

// The vector is twilio-go's; its Reason and ReasonConferenceEnded
// parameters only pass when parameters are sorted by name, not by
// name+value.
func TestSignatureVector(t *testing.T) {
	v, form := loadVector(t)
	httpURL := strings.Replace(v.URL, "https://", "http://", 1)
	mutated := url.Values{}
	for k, vs := range form {
		mutated[k] = vs
	}
	mutated.Set("Digits", "1235")
	tests := []struct {
		name      string
		token     string
		url       string
		form      url.Values
		signature string
		want      bool
	}{
		{"docs vector", v.AuthToken, v.URL, form, v.Signature, true},
		{"http URL", v.AuthToken, httpURL, form, v.HTTPVariantSignature, true},
		{"signed without the default port, called with it", v.AuthToken, strings.Replace(v.URL, ".com", ".com:443", 1), form, v.Signature, true},
		{"signed without a port, called with another", v.AuthToken, strings.Replace(v.URL, ".com", ".com:1234", 1), form, v.Signature, true},
		{"http signature for the https URL", v.AuthToken, v.URL, form, v.HTTPVariantSignature, false},
		{"wrong token", "54321", v.URL, form, v.Signature, false},
		{"empty token", "", v.URL, form, v.Signature, false},
		{"mutated parameter", v.AuthToken, v.URL, mutated, v.Signature, false},
		{"other query", v.AuthToken, strings.Replace(v.URL, "foo=1", "foo=2", 1), form, v.Signature, false},
		{"no signature", v.AuthToken, v.URL, form, "", false},
		{"garbage signature", v.AuthToken, v.URL, form, "WRONG SIGNATURE", false},
	}
	for _, tt := range tests {
		if got := Verify(tt.token, tt.url, tt.form, tt.signature); got != tt.want {
			t.Errorf("%s: Verify = %v; want %v", tt.name, got, tt.want)
		}
	}
	if got := Sign(v.AuthToken, v.URL, form); got != v.Signature {
		t.Errorf("Sign(vector) = %s; want %s", got, v.Signature)
	}
	// Twilio signs with or without the default port; with it, the
	// signature differs and must still verify.
	withPort := Sign(v.AuthToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", form)
	if !Verify(v.AuthToken, v.URL, form, withPort) {
		t.Errorf("Verify rejected a signature made with :443 for %s", v.URL)
	}
}

func TestURLVariants(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"https://a.example/x?y=1", []string{"https://a.example/x?y=1", "https://a.example:443/x?y=1"}},
		{"http://a.example/x", []string{"http://a.example/x", "http://a.example:80/x"}},
		{"https://a.example:443/x", []string{"https://a.example:443/x", "https://a.example/x"}},
		{"http://[::1]:8080/x", []string{"http://[::1]:8080/x", "http://[::1]/x"}},
		{"https://a.example/a%2Fb", []string{"https://a.example/a%2Fb", "https://a.example:443/a%2Fb"}},
		{"not a url", []string{"not a url"}},
		{"ftp://a.example/x", []string{"ftp://a.example/x"}},
	}
	for _, tt := range tests {
		got := urlVariants(tt.in)
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("urlVariants(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
