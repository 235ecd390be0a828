package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// maxResponseBytes bounds a Bot API method's answer; they are small.
const maxResponseBytes = 1 << 20

// AllowedUpdates are the update types the webhook asks for; Handler reads
// these and ignores anything else.
var AllowedUpdates = []string{"message", "edited_message", "callback_query"}

// secretTokenPattern is what setWebhook accepts as a secret_token.
var secretTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Client calls Bot API methods.
type Client struct {
	BotToken string
	// APIURL replaces DefaultAPIURL.
	APIURL string
	// SecretToken is what SetWebhook registers.
	SecretToken string
	// HTTP nil means a client with a 10 s timeout.
	HTTP *http.Client
}

// SetWebhook points the bot's updates at webhookURL, with the secret token the
// Handler checks. It keeps pending updates, so nothing a customer wrote
// while the webhook moved is lost.
func (c *Client) SetWebhook(ctx context.Context, webhookURL string) error {
	if !secretTokenPattern.MatchString(c.SecretToken) {
		return errors.New("set telegram webhook: the secret token must be 1 to 256 letters, digits, _ or -")
	}
	params := struct {
		URL                string   `json:"url"`
		SecretToken        string   `json:"secret_token"`
		AllowedUpdates     []string `json:"allowed_updates"`
		DropPendingUpdates bool     `json:"drop_pending_updates"`
	}{URL: webhookURL, SecretToken: c.SecretToken, AllowedUpdates: AllowedUpdates}
	if err := c.call(ctx, "setWebhook", params, nil); err != nil {
		return fmt.Errorf("set telegram webhook to %s: %w", webhookURL, err)
	}
	return nil
}

// apiError is a Bot API answer with "ok": false.
type apiError struct {
	method      string
	code        int
	description string
	// retryAfter is how many seconds a rate-limited caller must wait.
	retryAfter int
}

func (e *apiError) Error() string {
	return fmt.Sprintf("telegram %s: %d %s", e.method, e.code, e.description)
}

// retryable reports whether the same call may pass later: a rate limit,
// a timeout, or Telegram's own failure.
func (e *apiError) retryable() bool {
	return e.code == http.StatusTooManyRequests || e.code == http.StatusRequestTimeout || e.code >= 500
}

// call posts params as JSON to a Bot API method and decodes its result
// into result (when not nil). An answer with "ok": false is an *apiError.
func (c *Client) call(ctx context.Context, method string, params, result any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("telegram %s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL()+"/bot"+c.BotToken+"/"+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("telegram %s: %w", method, c.redact(err))
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.http().Do(req)
	if err != nil {
		return fmt.Errorf("telegram %s: %w", method, c.redact(err))
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("telegram %s: read response: %w", method, err)
	}
	var answer struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		ErrorCode   int             `json:"error_code"`
		Description string          `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		// A proxy's error page, not Telegram's answer: the status is all
		// there is to go on.
		return &apiError{method: method, code: res.StatusCode, description: "unreadable response: " + http.StatusText(res.StatusCode)}
	}
	if !answer.OK {
		code := answer.ErrorCode
		if code == 0 {
			code = res.StatusCode
		}
		return &apiError{method: method, code: code, description: answer.Description, retryAfter: answer.Parameters.RetryAfter}
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(answer.Result, result); err != nil {
		return fmt.Errorf("telegram %s: unexpected result: %w", method, err)
	}
	return nil
}

func (c *Client) baseURL() string {
	if c.APIURL == "" {
		return DefaultAPIURL
	}
	return strings.TrimRight(c.APIURL, "/")
}

func (c *Client) http() *http.Client {
	if c.HTTP == nil {
		return &http.Client{Timeout: 10 * time.Second}
	}
	return c.HTTP
}

// redact takes the bot token out of an error's URL: the token is in every
// Bot API path, and errors end up in logs and in Slack threads.
func (c *Client) redact(err error) error {
	var urlErr *url.Error
	if c.BotToken != "" && errors.As(err, &urlErr) {
		urlErr.URL = strings.ReplaceAll(urlErr.URL, c.BotToken, "<token>")
	}
	return err
}
