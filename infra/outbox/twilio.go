package outbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// twilioBodyLimit is the most characters a Message body may have.
const twilioBodyLimit = 1600

func twilioError(status, code int, message string) answer {
	return jsonAnswer(status, map[string]any{
		"code":      code,
		"message":   message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	})
}

// serveTwilioMessage answers POST /2010-04-01/Accounts/{sid}/Messages.json
// with the Message resource Twilio creates, queued.
func serveTwilioMessage(s *Server, r *http.Request, body []byte) answer {
	account := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[2]
	// Basic auth as the account or with an API key (SK...) of it.
	user, password, ok := r.BasicAuth()
	if !ok || password == "" || user != account && !strings.HasPrefix(user, "SK") {
		return twilioError(http.StatusUnauthorized, 20003, "Authenticate")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return twilioError(http.StatusBadRequest, 21600, "The request body is not a valid form.")
	}
	to, from, service, text := form.Get("To"), form.Get("From"), form.Get("MessagingServiceSid"), form.Get("Body")
	media := form["MediaUrl"]
	switch {
	case to == "":
		return twilioError(http.StatusBadRequest, 21604, "A 'To' phone number is required.")
	case from == "" && service == "":
		return twilioError(http.StatusBadRequest, 21603, "A 'From' phone number is required.")
	case text == "" && len(media) == 0 && form.Get("ContentSid") == "":
		return twilioError(http.StatusBadRequest, 21602, "Message body is required.")
	case len([]rune(text)) > twilioBodyLimit:
		return twilioError(http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
	}

	sid := "SM" + randomHex(16)
	uri := "/2010-04-01/Accounts/" + account + "/Messages/" + sid
	created := s.opts.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 -0700")
	var serviceSid any
	if service != "" {
		serviceSid = service
	}
	a := jsonAnswer(http.StatusCreated, map[string]any{
		"account_sid":           account,
		"api_version":           "2010-04-01",
		"body":                  text,
		"date_created":          created,
		"date_sent":             nil,
		"date_updated":          created,
		"direction":             "outbound-api",
		"error_code":            nil,
		"error_message":         nil,
		"from":                  from,
		"messaging_service_sid": serviceSid,
		"num_media":             strconv.Itoa(len(media)),
		"num_segments":          "1",
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   sid,
		"status":                "queued",
		"subresource_uris":      map[string]string{"media": uri + "/Media.json"},
		"to":                    to,
		"uri":                   uri + ".json",
	})
	for _, m := range media {
		text = strings.TrimSpace(text + "\n[Media: " + m + "]")
	}
	a.to, a.text, a.id = to, text, sid
	return a
}
