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

// argumentError is a failure caused by the caller's arguments rather than
// by the app, so the page can answer 400 rather than 502.
type argumentError struct{ reason string }

func (e *argumentError) Error() string { return "slackstub: " + e.reason }

func badArgument(format string, args ...any) error {
	return &argumentError{reason: fmt.Sprintf(format, args...)}
}

func isBadArgument(err error) bool {
	var bad *argumentError
	return errors.As(err, &bad)
}

// needURL fails when the app URL the stand-in needs is not configured.
func needURL(url, option string) error {
	if url == "" {
		return fmt.Errorf("slackstub: no %s to send to", option)
	}
	return nil
}

// verificationToken is the deprecated token Slack still puts in what it
// sends; apps should check the signature instead, so any value will do.
const verificationToken = "slackstub-verification-token"

// slackEscaper escapes the characters Slack escapes in message text, and
// slackUnescaper undoes it.
var (
	slackEscaper   = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	slackUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")
)

// Reply posts text as user in the thread threadTS of channel and delivers it
// to EventsURL as a signed message event, as Slack does when an agent replies
// in a thread. Like Slack, it escapes &, < and > in the event's text; the
// event also carries the text unescaped in a rich_text block.
//
// The message stays in the thread even if the app rejects the event, as it
// would in Slack, so ts is returned together with a delivery error.
func (s *Server) Reply(ctx context.Context, channel, threadTS, user, text string) (ts string, err error) {
	if user == "" || strings.TrimSpace(text) == "" {
		return "", badArgument("reply needs a user and text")
	}
	s.mu.Lock()
	root := s.findLocked(channel, threadTS)
	if root == nil || root.ThreadTS != "" {
		s.mu.Unlock()
		return "", badArgument("no thread %s in channel %s", threadTS, channel)
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
	if err := needURL(s.opts.EventsURL, "EventsURL"); err != nil {
		return nil, err
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

// send signs body, POSTs it to url as contentType and reads the app's answer.
func (s *Server) send(ctx context.Context, url, contentType string, body []byte) (AppResponse, error) {
	req, err := s.SignedRequest(ctx, url, body, s.opts.Now())
	if err != nil {
		return AppResponse{}, err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return AppResponse{}, fmt.Errorf("slackstub: sending to %s: %w", url, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody))
	if err != nil {
		return AppResponse{Status: resp.StatusCode}, fmt.Errorf("slackstub: reading the answer of %s: %w", url, err)
	}
	return AppResponse{Status: resp.StatusCode, Body: answer}, nil
}

// sendEvent wraps event in an event_callback and sends it to EventsURL.
func (s *Server) sendEvent(ctx context.Context, event any) (AppResponse, error) {
	if err := needURL(s.opts.EventsURL, "EventsURL"); err != nil {
		return AppResponse{}, err
	}
	body, err := s.eventBody(event)
	if err != nil {
		return AppResponse{}, err
	}
	return s.send(ctx, s.opts.EventsURL, "application/json", body)
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
	Event              any             `json:"event"`
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

// eventBody encodes the event_callback Slack wraps event in.
func (s *Server) eventBody(event any) ([]byte, error) {
	body, err := encodeJSON(eventCallback{
		Token:          verificationToken,
		TeamID:         s.opts.TeamID,
		APIAppID:       AppID,
		Event:          event,
		Type:           "event_callback",
		Authorizations: []authorization{{TeamID: s.opts.TeamID, UserID: s.opts.BotUserID, IsBot: true}},
		// Random rather than counted: apps deduplicate on event_id, and their
		// store outlives a restarted stand-in.
		EventID:   "Ev" + randomID(10),
		EventTime: s.opts.Now().Unix(),
	})
	if err != nil {
		return nil, fmt.Errorf("slackstub: encoding event: %w", err)
	}
	return body, nil
}

// messageEvent encodes the event_callback Slack sends for a user's thread reply.
func (s *Server) messageEvent(m Message, parentUser, rawText string) ([]byte, error) {
	return s.eventBody(messageEvent{
		ClientMsgID:  randomUUID(),
		Type:         "message",
		Text:         m.Text,
		User:         m.User,
		TS:           m.TS,
		Blocks:       richTextBlocks(rawText),
		Team:         s.opts.TeamID,
		ThreadTS:     m.ThreadTS,
		ParentUserID: parentUser,
		Channel:      m.Channel,
		EventTS:      m.TS,
		ChannelType:  "channel",
	})
}

// richTextBlocks are the blocks Slack's client sends for text a person typed.
func richTextBlocks(rawText string) []any {
	return []any{map[string]any{
		"type":     "rich_text",
		"block_id": randomID(5),
		"elements": []any{map[string]any{
			"type":     "rich_text_section",
			"elements": []any{map[string]any{"type": "text", "text": rawText}},
		}},
	}}
}

// reactionEvent is Slack's reaction_added event.
type reactionEvent struct {
	Type     string       `json:"type"`
	User     string       `json:"user"`
	Reaction string       `json:"reaction"`
	ItemUser string       `json:"item_user"`
	Item     reactionItem `json:"item"`
	EventTS  string       `json:"event_ts"`
}

type reactionItem struct {
	Type    string `json:"type"`
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// React adds the reaction name (":white_check_mark:" or "white_check_mark")
// to the message ts in channel as user and sends the app the reaction_added
// event. The reaction stays even if the app rejects the event, as in Slack.
func (s *Server) React(ctx context.Context, channel, ts, user, name string) (AppResponse, error) {
	name = strings.Trim(name, ":")
	if user == "" || name == "" {
		return AppResponse{}, badArgument("a reaction needs a user and a name")
	}
	s.mu.Lock()
	rec := s.findLocked(channel, ts)
	if rec == nil {
		s.mu.Unlock()
		return AppResponse{}, badArgument("no message %s in channel %s", ts, channel)
	}
	if !rec.addReaction(name, user) {
		s.mu.Unlock()
		return AppResponse{}, badArgument("%s already reacted with :%s: to %s", user, name, ts)
	}
	event := reactionEvent{
		Type:     "reaction_added",
		User:     user,
		Reaction: name,
		ItemUser: rec.User,
		Item:     reactionItem{Type: "message", Channel: channel, TS: ts},
		EventTS:  s.nextTSLocked(),
	}
	s.mu.Unlock()
	return s.sendEvent(ctx, event)
}

// hiddenMessageEvent is the message event Slack sends with subtype
// message_changed or message_deleted.
type hiddenMessageEvent struct {
	Type            string        `json:"type"`
	Subtype         string        `json:"subtype"`
	Hidden          bool          `json:"hidden"`
	Message         *eventMessage `json:"message,omitempty"`
	PreviousMessage *eventMessage `json:"previous_message"`
	Channel         string        `json:"channel"`
	TS              string        `json:"ts"`
	DeletedTS       string        `json:"deleted_ts,omitempty"`
	EventTS         string        `json:"event_ts"`
	ChannelType     string        `json:"channel_type"`
}

// eventMessage is a message inside a hiddenMessageEvent.
type eventMessage struct {
	Type         string  `json:"type"`
	User         string  `json:"user"`
	Text         string  `json:"text"`
	Edited       *edited `json:"edited,omitempty"`
	Blocks       []any   `json:"blocks,omitempty"`
	Team         string  `json:"team"`
	TS           string  `json:"ts"`
	ThreadTS     string  `json:"thread_ts,omitempty"`
	ParentUserID string  `json:"parent_user_id,omitempty"`
}

type edited struct {
	User string `json:"user"`
	TS   string `json:"ts"`
}

// eventMessageLocked describes m as it appears inside a message_changed or
// message_deleted event.
func (s *Server) eventMessageLocked(m Message) *eventMessage {
	out := &eventMessage{
		Type:     "message",
		User:     m.User,
		Text:     m.Text,
		Blocks:   richTextBlocks(slackUnescaper.Replace(m.Text)),
		Team:     s.opts.TeamID,
		TS:       m.TS,
		ThreadTS: m.ThreadTS,
	}
	if root := s.findLocked(m.Channel, m.ThreadTS); m.ThreadTS != "" && root != nil {
		out.ParentUserID = root.User
	}
	if m.Edited != "" {
		out.Edited = &edited{User: m.User, TS: m.Edited}
	}
	return out
}

// ownMessageLocked finds the message ts in channel that user wrote.
func (s *Server) ownMessageLocked(channel, ts, user string) (*record, error) {
	rec := s.findLocked(channel, ts)
	if rec == nil {
		return nil, badArgument("no message %s in channel %s", ts, channel)
	}
	if user == "" || rec.User != user || rec.BotID != "" {
		return nil, badArgument("message %s is not %s's own", ts, user)
	}
	return rec, nil
}

// Edit changes the text of user's own message ts in channel, escaped as
// Reply escapes it, and sends the app the message_changed event. The edit
// stays even if the app rejects the event, as in Slack.
func (s *Server) Edit(ctx context.Context, channel, ts, user, text string) (AppResponse, error) {
	if strings.TrimSpace(text) == "" {
		return AppResponse{}, badArgument("an edit needs text")
	}
	s.mu.Lock()
	rec, err := s.ownMessageLocked(channel, ts, user)
	if err != nil {
		s.mu.Unlock()
		return AppResponse{}, err
	}
	previous := s.eventMessageLocked(rec.Message)
	rec.Text = slackEscaper.Replace(text)
	eventTS := s.nextTSLocked()
	rec.Edited = eventTS
	event := hiddenMessageEvent{
		Type:            "message",
		Subtype:         "message_changed",
		Hidden:          true,
		Message:         s.eventMessageLocked(rec.Message),
		PreviousMessage: previous,
		Channel:         channel,
		TS:              eventTS,
		EventTS:         eventTS,
		ChannelType:     "channel",
	}
	s.mu.Unlock()
	return s.sendEvent(ctx, event)
}

// Delete deletes user's own message ts in channel and sends the app the
// message_deleted event. The message stays in Messages, marked Deleted.
func (s *Server) Delete(ctx context.Context, channel, ts, user string) (AppResponse, error) {
	s.mu.Lock()
	rec, err := s.ownMessageLocked(channel, ts, user)
	if err != nil {
		s.mu.Unlock()
		return AppResponse{}, err
	}
	previous := s.eventMessageLocked(rec.Message)
	rec.Deleted = true
	eventTS := s.nextTSLocked()
	event := hiddenMessageEvent{
		Type:            "message",
		Subtype:         "message_deleted",
		Hidden:          true,
		PreviousMessage: previous,
		Channel:         channel,
		TS:              eventTS,
		DeletedTS:       ts,
		EventTS:         eventTS,
		ChannelType:     "channel",
	}
	s.mu.Unlock()
	return s.sendEvent(ctx, event)
}

// appHomeOpenedEvent is Slack's app_home_opened event.
type appHomeOpenedEvent struct {
	Type    string   `json:"type"`
	User    string   `json:"user"`
	Channel string   `json:"channel"`
	Tab     string   `json:"tab"`
	View    *apiView `json:"view,omitempty"`
	EventTS string   `json:"event_ts"`
}

// OpenHome sends the app the app_home_opened event of user opening the
// app's Home tab, with the home view the app last published for them, if any.
func (s *Server) OpenHome(ctx context.Context, user string) (AppResponse, error) {
	if user == "" {
		return AppResponse{}, badArgument("opening the App Home needs a user")
	}
	s.mu.Lock()
	event := appHomeOpenedEvent{Type: "app_home_opened", User: user, Channel: dmChannel(user), Tab: "home", EventTS: s.nextTSLocked()}
	if v := s.homeLocked(user); v != nil {
		view := s.toAPIView(v, nil)
		event.View = &view
	}
	s.mu.Unlock()
	return s.sendEvent(ctx, event)
}

// dmChannel is the id of the app's direct message channel with user.
func dmChannel(user string) string {
	return "D" + strings.TrimPrefix(user, "U")
}

// encodeJSON encodes v as Slack does, without escaping <, > and & as \u003c,
// \u003e and \u0026, which Go's json.Marshal would.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// randomID returns n (at most 26) characters in the style of Slack's uppercase IDs.
func randomID(n int) string {
	return rand.Text()[:n]
}

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// randomUUID returns a version 4 UUID, the form of Slack's client_msg_id.
func randomUUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
