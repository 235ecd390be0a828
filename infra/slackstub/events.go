package slackstub

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// errBadReply marks Reply failures caused by the arguments rather than by
// the app, so the page can answer 400 rather than 502.
var errBadReply = errors.New("bad reply")

// slackEscaper escapes the characters Slack escapes in message text.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Reply posts text as user in the thread threadTS of channel and delivers it
// to EventsURL as a signed message event, as Slack does when an agent replies
// in a thread. Like Slack, it escapes &, < and > in the event's text; the
// event also carries the text unescaped in a rich_text block.
//
// The message stays in the thread even if the app rejects the event, as it
// would in Slack, so ts is returned together with a delivery error.
func (s *Server) Reply(ctx context.Context, channel, threadTS, user, text string) (ts string, err error) {
	if user == "" || strings.TrimSpace(text) == "" {
		return "", fmt.Errorf("slackstub: reply needs a user and text: %w", errBadReply)
	}
	s.mu.Lock()
	root := s.findLocked(channel, threadTS)
	if root == nil || root.ThreadTS != "" {
		s.mu.Unlock()
		return "", fmt.Errorf("slackstub: no thread %s in channel %s: %w", threadTS, channel, errBadReply)
	}
	rec := s.appendLocked(Message{Channel: channel, ThreadTS: threadTS, User: user, Text: slackEscaper.Replace(text)})
	msg, parentUser := rec.clone(), root.User
	s.mu.Unlock()

	body, err := s.messageEvent(msg, parentUser, text)
	if err != nil {
		return msg.TS, err
	}
	if err := s.deliver(ctx, body); err != nil {
		s.mu.Lock()
		rec.deliveryErr = err.Error()
		s.mu.Unlock()
		return msg.TS, err
	}
	return msg.TS, nil
}

// deliver sends an event and insists on a 2xx answer, the only answer Slack
// takes as acknowledgement.
func (s *Server) deliver(ctx context.Context, body []byte) error {
	resp, err := s.SendEvent(ctx, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if err != nil {
		return fmt.Errorf("slackstub: reading the app's answer to an event: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("slackstub: app answered %s: %s", resp.Status, strings.TrimSpace(string(answer)))
	}
	return nil
}

// SendEvent signs body with the current time and POSTs it unchanged to
// EventsURL. The caller closes the response body.
func (s *Server) SendEvent(ctx context.Context, body []byte) (*http.Response, error) {
	if s.opts.EventsURL == "" {
		return nil, errors.New("slackstub: no EventsURL to send events to")
	}
	req, err := s.SignedRequest(ctx, s.opts.EventsURL, body, s.opts.Now())
	if err != nil {
		return nil, err
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("slackstub: sending event to %s: %w", s.opts.EventsURL, err)
	}
	return resp, nil
}

// SignedRequest builds a POST of body to url, signed with SigningSecret at ts
// the way Slack signs requests to apps. Tests use it to forge stale or
// replayed requests.
func (s *Server) SignedRequest(ctx context.Context, url string, body []byte, ts time.Time) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("slackstub: building signed request: %w", err)
	}
	timestamp := strconv.FormatInt(ts.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	req.Header.Set("X-Slack-Request-Timestamp", timestamp)
	req.Header.Set("X-Slack-Signature", signature(s.opts.SigningSecret, timestamp, body))
	return req, nil
}

// signature is Slack's v0 request signature.
func signature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

type eventCallback struct {
	Token              string          `json:"token"`
	TeamID             string          `json:"team_id"`
	APIAppID           string          `json:"api_app_id"`
	Event              messageEvent    `json:"event"`
	Type               string          `json:"type"`
	Authorizations     []authorization `json:"authorizations"`
	IsExtSharedChannel bool            `json:"is_ext_shared_channel"`
	EventID            string          `json:"event_id"`
	EventTime          int64           `json:"event_time"`
}

type messageEvent struct {
	ClientMsgID  string `json:"client_msg_id"`
	Type         string `json:"type"`
	Text         string `json:"text"`
	User         string `json:"user"`
	TS           string `json:"ts"`
	Blocks       []any  `json:"blocks"`
	Team         string `json:"team"`
	ThreadTS     string `json:"thread_ts"`
	ParentUserID string `json:"parent_user_id"`
	Channel      string `json:"channel"`
	EventTS      string `json:"event_ts"`
	ChannelType  string `json:"channel_type"`
}

type authorization struct {
	TeamID              string `json:"team_id"`
	UserID              string `json:"user_id"`
	IsBot               bool   `json:"is_bot"`
	IsEnterpriseInstall bool   `json:"is_enterprise_install"`
}

// messageEvent encodes the event_callback Slack sends for a user's thread reply.
func (s *Server) messageEvent(m Message, parentUser, rawText string) ([]byte, error) {
	event := eventCallback{
		// Slack still sends the deprecated verification token; apps should
		// check the signature instead, so any value will do.
		Token:    "slackstub-verification-token",
		TeamID:   s.opts.TeamID,
		APIAppID: AppID,
		Event: messageEvent{
			ClientMsgID: randomUUID(),
			Type:        "message",
			Text:        m.Text,
			User:        m.User,
			TS:          m.TS,
			Blocks: []any{map[string]any{
				"type":     "rich_text",
				"block_id": randomID(5),
				"elements": []any{map[string]any{
					"type":     "rich_text_section",
					"elements": []any{map[string]any{"type": "text", "text": rawText}},
				}},
			}},
			Team:         s.opts.TeamID,
			ThreadTS:     m.ThreadTS,
			ParentUserID: parentUser,
			Channel:      m.Channel,
			EventTS:      m.TS,
			ChannelType:  "channel",
		},
		Type:           "event_callback",
		Authorizations: []authorization{{TeamID: s.opts.TeamID, UserID: s.opts.BotUserID, IsBot: true}},
		// Random rather than counted: apps deduplicate on event_id, and their
		// store outlives a restarted stand-in.
		EventID:   "Ev" + randomID(10),
		EventTime: s.opts.Now().Unix(),
	}
	body, err := json.Marshal(event)
	if err != nil {
		return nil, fmt.Errorf("slackstub: encoding message event: %w", err)
	}
	return body, nil
}

// randomID returns n (at most 26) characters in the style of Slack's uppercase IDs.
func randomID(n int) string {
	return rand.Text()[:n]
}

// randomUUID returns a version 4 UUID, the form of Slack's client_msg_id.
func randomUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
