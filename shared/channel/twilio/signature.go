package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// Sign computes Twilio's X-Twilio-Signature for a POST to fullURL:
// base64(HMAC-SHA1(authToken, fullURL followed by every parameter's name
// and value, in name order)). Repeated names contribute each value in
// sorted order, as Twilio's own libraries do.
func Sign(authToken, fullURL string, form url.Values) string {
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(fullURL))
	for _, name := range slices.Sorted(maps.Keys(form)) {
		for _, value := range slices.Sorted(slices.Values(form[name])) {
			mac.Write([]byte(name))
			mac.Write([]byte(value))
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify reports whether signature is Twilio's signature of a POST of form
// to fullURL. Twilio signs some requests with the default port in the
// host (https://host:443/...) and some without, so, like twilio-go, both
// forms of the URL are tried.
func Verify(authToken, fullURL string, form url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	ok := false
	for _, u := range urlVariants(fullURL) {
		// Every variant is computed, so timing says nothing about which
		// one matched.
		if hmac.Equal([]byte(Sign(authToken, u, form)), []byte(signature)) {
			ok = true
		}
	}
	return ok
}

// urlVariants returns the URL as given and with its port toggled: without
// the port it has, or with the scheme's default port when it has none.
// The rest of the URL is kept byte for byte, since re-encoding it would
// change the signed string.
func urlVariants(raw string) []string {
	variants := []string{raw}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return variants
	}
	at := strings.Index(raw, "://")
	if at < 0 || !strings.HasPrefix(raw[at+3:], u.Host) {
		return variants
	}
	prefix, rest := raw[:at+3], raw[at+3+len(u.Host):]
	host := u.Host
	switch {
	case u.Port() != "":
		host = strings.TrimSuffix(host, ":"+u.Port())
	case strings.EqualFold(u.Scheme, "https"):
		host += ":443"
	case strings.EqualFold(u.Scheme, "http"):
		host += ":80"
	default:
		return variants
	}
	return append(variants, prefix+host+rest)
}
