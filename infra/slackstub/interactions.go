package slackstub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// AppResponse is the app's answer to something the stand-in sent it.
type AppResponse struct {
	Status int
	Body   []byte
}

// block is the part of a Block Kit block the stand-in reads.
type block struct {
	Type      string            `json:"type"`
	BlockID   string            `json:"block_id"`
	Elements  []json.RawMessage `json:"elements"`  // actions
	Accessory json.RawMessage   `json:"accessory"` // section
	Element   json.RawMessage   `json:"element"`   // input
	Optional  bool              `json:"optional"`  // input
	Label     json.RawMessage   `json:"label"`     // input
}

// element is the part of an interactive element the stand-in reads.
type element struct {
	Type         string          `json:"type"`
	ActionID     string          `json:"action_id"`
	Text         json.RawMessage `json:"text"`
	Value        string          `json:"value"`
	Style        string          `json:"style"`
	Placeholder  json.RawMessage `json:"placeholder"`
	Options      []option        `json:"options"`
	OptionGroups []struct {
		Options []option `json:"options"`
	} `json:"option_groups"`
	InitialValue  string  `json:"initial_value"`
	InitialOption *option `json:"initial_option"`
}

type option struct {
	Text  json.RawMessage `json:"text"`
	Value string          `json:"value"`
}

// findOption returns the element's option with value, looking in option groups too.
func (e element) findOption(value string) (option, bool) {
	all := e.Options
	for _, g := range e.OptionGroups {
		all = append(all, g.Options...)
	}
	for _, o := range all {
		if o.Value == value {
			return o, true
		}
	}
	return option{}, false
}

// located is an element together with the block it sits in.
type located struct {
	block   block
	blockID string
	element element
}

// elementsOf lists the interactive elements of blocks: those of actions
// blocks, section accessories and input elements. Blocks without a block_id
// get the one Slack would have generated, derived from seed so that it is the
// same every time the blocks are read.
func elementsOf(blocks json.RawMessage, seed string) []located {
	var parsed []block
	if json.Unmarshal(blocks, &parsed) != nil {
		return nil
	}
	var out []located
	for i, b := range parsed {
		id := b.BlockID
		if id == "" {
			id = generatedBlockID(seed, i)
		}
		var raws []json.RawMessage
		switch b.Type {
		case "actions":
			raws = b.Elements
		case "section":
			raws = []json.RawMessage{b.Accessory}
		case "input":
			raws = []json.RawMessage{b.Element}
		}
		for _, raw := range raws {
			var e element
			if len(raw) > 0 && json.Unmarshal(raw, &e) == nil && e.ActionID != "" {
				out = append(out, located{block: b, blockID: id, element: e})
			}
		}
	}
	return out
}

// generatedBlockID is a stable stand-in for the random block_id Slack gives
// a block that has none.
func generatedBlockID(seed string, index int) string {
	sum := sha256.Sum256([]byte(seed + "/" + strconv.Itoa(index)))
	return base32.StdEncoding.EncodeToString(sum[:])[:5]
}

// withBlockIDs returns blocks with every missing block_id filled in as
// elementsOf fills it, the way Slack returns blocks it was given.
func withBlockIDs(blocks json.RawMessage, seed string) json.RawMessage {
	var parsed []map[string]json.RawMessage
	if json.Unmarshal(blocks, &parsed) != nil {
		return blocks
	}
	for i, b := range parsed {
		if _, ok := b["block_id"]; !ok {
			b["block_id"], _ = json.Marshal(generatedBlockID(seed, i))
		}
	}
	out, err := encodeJSON(parsed)
	if err != nil {
		return blocks
	}
	return out
}

// blockAction is one entry of a block_actions payload's actions.
type blockAction struct {
	ActionID       string          `json:"action_id"`
	BlockID        string          `json:"block_id"`
	Text           json.RawMessage `json:"text,omitempty"`
	Value          string          `json:"value,omitempty"`
	Style          string          `json:"style,omitempty"`
	Type           string          `json:"type"`
	SelectedOption *option         `json:"selected_option,omitempty"`
	Placeholder    json.RawMessage `json:"placeholder,omitempty"`
	ActionTS       string          `json:"action_ts"`
}

// actionFor finds the element actionID in blocks and describes clicking it
// with value: the button whose value is value (any button when value is
// empty), or choosing the option value of a static_select or overflow menu.
func actionFor(blocks json.RawMessage, seed, actionID, value string) (blockAction, error) {
	if actionID == "" {
		return blockAction{}, badArgument("no action_id to click")
	}
	reason := fmt.Sprintf("no element with action_id %q", actionID)
	for _, l := range elementsOf(blocks, seed) {
		e := l.element
		if e.ActionID != actionID || l.block.Type == "input" {
			continue
		}
		action := blockAction{ActionID: e.ActionID, BlockID: l.blockID, Type: e.Type}
		switch e.Type {
		case "button":
			if value != "" && value != e.Value {
				reason = fmt.Sprintf("button %q has value %q, not %q", actionID, e.Value, value)
				continue
			}
			action.Text, action.Value, action.Style = e.Text, e.Value, e.Style
		case "static_select", "overflow":
			o, ok := e.findOption(value)
			if !ok {
				reason = fmt.Sprintf("%s %q has no option with value %q", e.Type, actionID, value)
				continue
			}
			action.SelectedOption = &o
			action.Placeholder = e.Placeholder
		default:
			reason = fmt.Sprintf("the stand-in cannot click a %s (%q)", e.Type, actionID)
			continue
		}
		return action, nil
	}
	return blockAction{}, badArgument("%s", reason)
}

// interactionPayload is what Slack POSTs to the interactivity URL, as the
// form field "payload".
type interactionPayload struct {
	Type                string          `json:"type"`
	User                payloadUser     `json:"user"`
	APIAppID            string          `json:"api_app_id"`
	Token               string          `json:"token"`
	Container           any             `json:"container,omitempty"`
	TriggerID           string          `json:"trigger_id,omitempty"`
	Team                payloadTeam     `json:"team"`
	Enterprise          *struct{}       `json:"enterprise"` // always null: no Enterprise Grid
	IsEnterpriseInstall bool            `json:"is_enterprise_install"`
	Channel             *payloadChannel `json:"channel,omitempty"`
	Message             *apiMessage     `json:"message,omitempty"`
	View                *apiView        `json:"view,omitempty"`
	State               *viewState      `json:"state,omitempty"`
	ResponseURL         string          `json:"response_url,omitempty"`
	Actions             []blockAction   `json:"actions,omitempty"`
	Hash                string          `json:"hash,omitempty"`          // view_submission
	ResponseURLs        *[]struct{}     `json:"response_urls,omitempty"` // view_submission: always empty
	IsCleared           *bool           `json:"is_cleared,omitempty"`    // view_closed
}

type payloadUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	TeamID   string `json:"team_id"`
}

type payloadTeam struct {
	ID     string `json:"id"`
	Domain string `json:"domain"`
}

type payloadChannel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type messageContainer struct {
	Type        string `json:"type"`
	MessageTS   string `json:"message_ts"`
	ChannelID   string `json:"channel_id"`
	IsEphemeral bool   `json:"is_ephemeral"`
	ThreadTS    string `json:"thread_ts,omitempty"`
}

type viewContainer struct {
	Type   string `json:"type"`
	ViewID string `json:"view_id"`
}

// newPayload fills in what every interaction payload carries.
func (s *Server) newPayload(kind, user string) interactionPayload {
	name := userName(user)
	return interactionPayload{
		Type:     kind,
		User:     payloadUser{ID: user, Username: name, Name: name, TeamID: s.opts.TeamID},
		APIAppID: AppID,
		Token:    verificationToken,
		Team:     payloadTeam{ID: s.opts.TeamID, Domain: teamDomain},
	}
}

// channelName is the name the stand-in gives a channel it knows only by id.
func channelName(id string) string {
	return strings.ToLower(id)
}

// Click clicks the element actionID of the message ts in channel as user,
// and sends the app the block_actions payload Slack would: a button (whose
// value must be value, unless value is empty) or the option value of a
// static_select or overflow menu, in an actions block or a section's
// accessory. The message may be an ephemeral one shown to user. It fails
// without sending anything if the message has no such element.
func (s *Server) Click(ctx context.Context, channel, messageTS, user, actionID, value string) (AppResponse, error) {
	if err := needURL(s.opts.InteractionsURL, "InteractionsURL"); err != nil {
		return AppResponse{}, err
	}
	if user == "" {
		return AppResponse{}, badArgument("a click needs a user")
	}
	s.mu.Lock()
	rec := s.findVisibleLocked(channel, messageTS, user)
	if rec == nil {
		s.mu.Unlock()
		return AppResponse{}, badArgument("no message %s in channel %s", messageTS, channel)
	}
	action, err := actionFor(rec.Blocks, channel+"/"+rec.TS, actionID, value)
	if err != nil {
		s.mu.Unlock()
		return AppResponse{}, fmt.Errorf("%w in message %s", err, messageTS)
	}
	responseURL, err := s.newResponseURLLocked(responder{user: user, channel: channel, threadTS: rec.ThreadTS, messageTS: rec.TS})
	if err != nil {
		s.mu.Unlock()
		return AppResponse{}, err
	}
	action.ActionTS = s.nextTSLocked()
	p := s.newPayload("block_actions", user)
	p.Container = messageContainer{Type: "message", MessageTS: rec.TS, ChannelID: channel, IsEphemeral: rec.Ephemeral, ThreadTS: rec.ThreadTS}
	p.TriggerID = s.issueTriggerLocked(user)
	p.Channel = &payloadChannel{ID: channel, Name: channelName(channel)}
	// Slack leaves the message out for ephemeral ones, which it does not keep.
	if !rec.Ephemeral {
		msg := s.toAPIMessage(rec.clone())
		msg.Blocks = withBlockIDs(msg.Blocks, channel+"/"+rec.TS)
		p.Message = &msg
	}
	p.State = &viewState{Values: map[string]map[string]any{}}
	p.ResponseURL = responseURL
	p.Actions = []blockAction{action}
	s.mu.Unlock()
	return s.sendInteraction(ctx, p)
}

// ClickHome clicks the element actionID of user's App Home as Click does on
// a message, with a view container and no response_url, as Slack sends it.
func (s *Server) ClickHome(ctx context.Context, user, actionID, value string) (AppResponse, error) {
	if err := needURL(s.opts.InteractionsURL, "InteractionsURL"); err != nil {
		return AppResponse{}, err
	}
	s.mu.Lock()
	v := s.homeLocked(user)
	if v == nil {
		s.mu.Unlock()
		return AppResponse{}, badArgument("no App Home published for %s", user)
	}
	action, err := actionFor(v.Blocks, v.ID, actionID, value)
	if err != nil {
		s.mu.Unlock()
		return AppResponse{}, fmt.Errorf("%w in the App Home of %s", err, user)
	}
	action.ActionTS = s.nextTSLocked()
	p := s.newPayload("block_actions", user)
	p.Container = viewContainer{Type: "view", ViewID: v.ID}
	p.TriggerID = s.issueTriggerLocked(user)
	view := s.toAPIView(v, nil)
	p.View = &view
	p.Actions = []blockAction{action}
	s.mu.Unlock()
	return s.sendInteraction(ctx, p)
}

// Submit submits the modal viewID as user with values, keyed by the inputs'
// action_id, and sends the app the view_submission payload. Inputs left out
// of values keep their initial value; a required input left empty fails
// without sending, as Slack's client would not send it.
//
// The app's answer decides what happens to the modal, as in Slack: an empty
// 2xx body closes it, response_action "errors" keeps it open with the errors
// shown, "update" replaces it, "push" stacks a new one, "clear" closes its
// whole stack, and any other answer leaves it open.
func (s *Server) Submit(ctx context.Context, viewID, user string, values map[string]string) (AppResponse, error) {
	if err := needURL(s.opts.InteractionsURL, "InteractionsURL"); err != nil {
		return AppResponse{}, err
	}
	s.mu.Lock()
	v := s.viewLocked(viewID)
	if v == nil || v.Type != "modal" || v.Closed {
		s.mu.Unlock()
		return AppResponse{}, badArgument("no open modal %s", viewID)
	}
	if v.User != user {
		s.mu.Unlock()
		return AppResponse{}, badArgument("modal %s is open for %s, not %s", viewID, v.User, user)
	}
	state, err := submissionState(v.Blocks, v.ID, values)
	if err != nil {
		s.mu.Unlock()
		return AppResponse{}, err
	}
	p := s.newPayload("view_submission", user)
	p.TriggerID = s.issueTriggerLocked(user)
	view := s.toAPIView(v, state)
	p.View = &view
	p.Hash = v.Hash
	p.ResponseURLs = &[]struct{}{}
	s.mu.Unlock()

	resp, err := s.sendInteraction(ctx, p)
	if err != nil {
		return resp, err
	}
	return resp, s.applySubmissionAnswer(v, user, resp)
}

// submissionState is a view_submission's view.state.values: every input's
// value by block_id and action_id.
func submissionState(blocks json.RawMessage, seed string, values map[string]string) (map[string]map[string]any, error) {
	state := map[string]map[string]any{}
	known := map[string]bool{}
	for _, l := range elementsOf(blocks, seed) {
		if l.block.Type != "input" {
			continue
		}
		e := l.element
		known[e.ActionID] = true
		value, given := values[e.ActionID]
		entry := map[string]any{"type": e.Type}
		switch e.Type {
		case "plain_text_input":
			if !given {
				value = e.InitialValue
			}
			entry["value"] = nil
			if value != "" {
				entry["value"] = value
			}
		case "static_select":
			if !given && e.InitialOption != nil {
				value = e.InitialOption.Value
			}
			entry["selected_option"] = nil
			if value != "" {
				o, ok := e.findOption(value)
				if !ok {
					return nil, badArgument("static_select %q has no option with value %q", e.ActionID, value)
				}
				entry["selected_option"] = o
			}
		default:
			if given {
				return nil, badArgument("the stand-in cannot fill in a %s (%q)", e.Type, e.ActionID)
			}
		}
		if value == "" && !l.block.Optional && (e.Type == "plain_text_input" || e.Type == "static_select") {
			return nil, badArgument("input %q (%s) is required", e.ActionID, textOf(l.block.Label))
		}
		state[l.blockID] = map[string]any{e.ActionID: entry}
	}
	for actionID := range values {
		if !known[actionID] {
			return nil, badArgument("no input with action_id %q", actionID)
		}
	}
	return state, nil
}

// submissionAnswer is an app's answer to a view_submission.
type submissionAnswer struct {
	ResponseAction string            `json:"response_action"`
	Errors         map[string]string `json:"errors"`
	View           json.RawMessage   `json:"view"`
}

func (s *Server) applySubmissionAnswer(v *viewRecord, user string, resp AppResponse) error {
	if resp.Status/100 != 2 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Errors belong to the submission they answered.
	v.Errors = nil
	if len(bytes.TrimSpace(resp.Body)) == 0 {
		v.Closed = true
		return nil
	}
	var answer submissionAnswer
	if err := json.Unmarshal(resp.Body, &answer); err != nil {
		return fmt.Errorf("slackstub: app answered a view_submission with neither an empty body nor JSON: %w", err)
	}
	switch answer.ResponseAction {
	case "errors":
		v.Errors = answer.Errors
	case "clear":
		for _, other := range s.views {
			if other.RootViewID == v.RootViewID {
				other.Closed = true
			}
		}
	case "update", "push":
		req, code := parseView(answer.View, "modal")
		if code != "" {
			return fmt.Errorf("slackstub: app answered response_action %q with an invalid view (%s)", answer.ResponseAction, code)
		}
		if answer.ResponseAction == "update" {
			v.apply(req, s.newHashLocked())
			v.Updated++
			return nil
		}
		if s.stackDepthLocked(v.RootViewID) >= maxModalStack {
			return fmt.Errorf("slackstub: app pushed a modal onto a full stack (push_limit_reached)")
		}
		pushed := &viewRecord{View: View{ID: "V" + randomID(10), Type: "modal", User: user, RootViewID: v.RootViewID}, previousViewID: v.ID}
		pushed.apply(req, s.newHashLocked())
		s.views = append(s.views, pushed)
	default:
		return fmt.Errorf("slackstub: app answered a view_submission with unknown response_action %q", answer.ResponseAction)
	}
	return nil
}

// CloseView closes the modal viewID as user would with its close button.
// Slack tells the app with a view_closed payload only if the modal asked
// for it with notify_on_close; otherwise nothing is sent and the answer is
// the zero AppResponse.
func (s *Server) CloseView(ctx context.Context, viewID, user string) (AppResponse, error) {
	s.mu.Lock()
	v := s.viewLocked(viewID)
	if v == nil || v.Type != "modal" || v.Closed || v.User != user {
		s.mu.Unlock()
		return AppResponse{}, badArgument("no modal %s open for %s", viewID, user)
	}
	if v.notifyOnClose {
		if err := needURL(s.opts.InteractionsURL, "InteractionsURL"); err != nil {
			s.mu.Unlock()
			return AppResponse{}, err
		}
	}
	v.Closed = true
	if !v.notifyOnClose {
		s.mu.Unlock()
		return AppResponse{}, nil
	}
	p := s.newPayload("view_closed", user)
	view := s.toAPIView(v, nil)
	p.View = &view
	p.IsCleared = new(bool)
	s.mu.Unlock()
	return s.sendInteraction(ctx, p)
}

// sendInteraction POSTs p as Slack does: a form with the JSON in "payload".
func (s *Server) sendInteraction(ctx context.Context, p interactionPayload) (AppResponse, error) {
	payload, err := encodeJSON(p)
	if err != nil {
		return AppResponse{}, fmt.Errorf("slackstub: encoding %s payload: %w", p.Type, err)
	}
	body := url.Values{"payload": {string(payload)}}.Encode()
	return s.send(ctx, s.opts.InteractionsURL, "application/x-www-form-urlencoded", []byte(body))
}

// Command runs the slash command (e.g. "/switchboard") with text as user in
// channel: it POSTs the app the form Slack sends, with a trigger_id and a
// response_url. A 2xx answer with a body is shown to user as Slack shows it:
// JSON with text or blocks (response_type "in_channel" posts it for everyone,
// anything else only for user), or plain text only for user.
func (s *Server) Command(ctx context.Context, user, channel, command, text string) (AppResponse, error) {
	if err := needURL(s.opts.CommandsURL, "CommandsURL"); err != nil {
		return AppResponse{}, err
	}
	if user == "" || channel == "" || !strings.HasPrefix(command, "/") || strings.ContainsAny(command, " \t\n") {
		return AppResponse{}, badArgument("a slash command needs a user, a channel and a command such as /switchboard, not %q", command)
	}
	s.mu.Lock()
	responseURL, err := s.newResponseURLLocked(responder{user: user, channel: channel})
	if err != nil {
		s.mu.Unlock()
		return AppResponse{}, err
	}
	triggerID := s.issueTriggerLocked(user)
	s.mu.Unlock()

	// In the order Slack sends them (fixtures/slack/slash_command.body.txt).
	fields := [][2]string{
		{"token", verificationToken},
		{"team_id", s.opts.TeamID},
		{"team_domain", teamDomain},
		{"channel_id", channel},
		{"channel_name", channelName(channel)},
		{"user_id", user},
		{"user_name", userName(user)},
		{"command", command},
		{"text", text},
		{"api_app_id", AppID},
		{"is_enterprise_install", "false"},
		{"response_url", responseURL},
		{"trigger_id", triggerID},
	}
	var body strings.Builder
	for i, f := range fields {
		if i > 0 {
			body.WriteByte('&')
		}
		body.WriteString(url.QueryEscape(f[0]) + "=" + url.QueryEscape(f[1]))
	}
	resp, err := s.send(ctx, s.opts.CommandsURL, "application/x-www-form-urlencoded", []byte(body.String()))
	if err != nil || resp.Status/100 != 2 || len(bytes.TrimSpace(resp.Body)) == 0 {
		return resp, err
	}
	answer := responseMessage{Text: string(resp.Body)}
	if json.Valid(resp.Body) {
		if err := json.Unmarshal(resp.Body, &answer); err != nil {
			return resp, fmt.Errorf("slackstub: app answered %s with JSON that is not a message: %w", command, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, code := s.respondLocked(responder{user: user, channel: channel}, answer); code != "" {
		return resp, fmt.Errorf("slackstub: app answered %s with a message Slack would refuse (%s)", command, code)
	}
	return resp, nil
}

// responder is where the messages posted to one response_url go.
type responder struct {
	user      string // who clicked or ran the command: ephemeral messages are for them
	channel   string
	threadTS  string // the thread of the clicked message, if it is a reply
	messageTS string // the clicked message, for replace_original and delete_original
}

func (s *Server) newResponseURLLocked(r responder) (string, error) {
	base, err := s.baseURLLocked()
	if err != nil {
		return "", err
	}
	id := s.opts.TeamID + "/" + randomID(12) + "/" + randomHex(12)
	s.responders[id] = r
	return base + "/response/" + id, nil
}

// responseMessage is what an app posts to a response_url, and what it may
// answer a slash command with.
type responseMessage struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

// serveResponseURL takes a message posted to a response_url. Unlike Slack,
// it accepts any number of posts for as long as the stand-in runs.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	var msg responseMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody)).Decode(&msg); err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid_payload")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	target, ok := s.responders[r.PathValue("id")]
	if !ok {
		writeAPIError(w, http.StatusNotFound, "expired_url")
		return
	}
	m, code := s.respondLocked(target, msg)
	if code != "" {
		writeAPIError(w, http.StatusBadRequest, code)
		return
	}
	s.responses = append(s.responses, m.clone())
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// respondLocked applies msg for target and returns the message it made or changed.
func (s *Server) respondLocked(target responder, msg responseMessage) (Message, errCode) {
	blocks := ""
	if string(msg.Blocks) != "null" {
		blocks = string(msg.Blocks)
	}
	parsed, code := parseBlocks(blocks)
	if code != "" {
		return Message{}, code
	}
	if msg.DeleteOriginal || msg.ReplaceOriginal {
		rec := s.findVisibleLocked(target.channel, target.messageTS, target.user)
		if target.messageTS == "" || rec == nil {
			return Message{}, "message_not_found"
		}
		if msg.DeleteOriginal {
			rec.Deleted = true
			return rec.Message, ""
		}
		if msg.Text == "" && parsed == nil {
			return Message{}, "no_text"
		}
		rec.Text, rec.Blocks = msg.Text, parsed
		rec.Updated++
		return rec.Message, ""
	}
	if msg.Text == "" && parsed == nil {
		return Message{}, "no_text"
	}
	m := Message{
		Channel:  target.channel,
		ThreadTS: target.threadTS,
		Text:     msg.Text,
		Blocks:   parsed,
		User:     s.opts.BotUserID,
		BotID:    BotID,
	}
	if msg.ThreadTS != "" {
		m.ThreadTS = msg.ThreadTS
	}
	if msg.ResponseType != "in_channel" {
		m.Ephemeral, m.EphemeralUser = true, target.user
	}
	if code := s.resolveThreadLocked(&m); code != "" {
		return Message{}, code
	}
	return s.appendLocked(m).Message, ""
}
