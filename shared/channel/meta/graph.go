package meta

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
)

// Graph API defaults.
const (
	DefaultGraphURL = "https://graph.facebook.com"
	DefaultVersion  = "v21.0"
)

// graphEndpoint joins the Graph base URL, API version and a path.
func graphEndpoint(base, version, path string) string {
	if base == "" {
		base = DefaultGraphURL
	}
	if version == "" {
		version = DefaultVersion
	}
	return strings.TrimRight(base, "/") + "/" + version + "/" + path
}

func httpClient(c *http.Client) *http.Client {
	if c == nil {
		return &http.Client{Timeout: 10 * time.Second}
	}
	return c
}

// withoutURL drops the URL net/http puts in its errors: the Messenger
// token travels in the query string, and Graph media URLs are short-lived
// credentials, and errors end up in logs and in Slack.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s request failed: %w", ue.Op, ue.Err)
	}
	return err
}

// graphError is the error object every Graph API failure carries.
type graphError struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	IsTransient bool   `json:"is_transient"`
	FBTraceID   string `json:"fbtrace_id"`
	ErrorData   struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

func (e graphError) String() string {
	s := e.Message
	if e.ErrorData.Details != "" {
		s += ": " + e.ErrorData.Details
	}
	return fmt.Sprintf("%s (code %d, fbtrace_id %s)", s, e.Code, e.FBTraceID)
}

// Graph error codes that mean "slow down" or "try again" rather than
// "this message is wrong": Graph's own temporary errors (1, 2), app,
// user and page rate limits (4, 17, 32, 613), WhatsApp throughput and
// spam limits (80007, 130429, 131048, 131056).
var retryableCodes = []int{1, 2, 4, 17, 32, 613, 80007, 130429, 131048, 131056}

// Codes for a closed messaging window.
const (
	codeReengagement     = 131047  // WhatsApp: over 24 hours since the customer wrote
	codePermission       = 10      // Messenger and Instagram, with one of these subcodes:
	subcodeOutsideWindow = 2018278 // Messenger: outside the allowed window
	subcodeIGWindow      = 2534022 // Instagram: outside the allowed window
)

// failure maps a Graph API error answer to a retryable error or a
// *dispatch.PermanentError whose reason an agent can act on.
func failure(product string, status int, body []byte, template string) error {
	var answer struct {
		Error *graphError `json:"error"`
	}
	_ = json.Unmarshal(body, &answer)
	e := answer.Error
	retryable := status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
	switch {
	case e == nil && retryable:
		return fmt.Errorf("%s answered %d", product, status)
	case e == nil:
		return &dispatch.PermanentError{Reason: fmt.Sprintf("%s refused the message (HTTP %d)", product, status)}
	case retryable || e.IsTransient || slices.Contains(retryableCodes, e.Code):
		return fmt.Errorf("%s answered %d: %s", product, status, e)
	case e.Code == codeReengagement:
		return &dispatch.PermanentError{Template: template, Reason: "WhatsApp refused the reply because more than 24 hours " +
			"have passed since the customer last wrote; only an approved template can reach them now. (" + e.String() + ")"}
	case e.Code == codePermission && (e.Subcode == subcodeOutsideWindow || e.Subcode == subcodeIGWindow):
		return &dispatch.PermanentError{Reason: product + " refused the reply because it is outside the window in which " +
			"the customer can be answered; they have to write again first. (" + e.String() + ")"}
	default:
		return &dispatch.PermanentError{Reason: product + " refused the message: " + e.String()}
	}
}
