package slackstub

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"
	"unicode/utf8"
)

// triggerLifetime is how long Slack accepts a trigger_id after issuing it.
const triggerLifetime = 3 * time.Second

// maxModalStack is how many modals Slack stacks before views.push fails.
const maxModalStack = 3

// View is a modal or an App Home view as the stand-in recorded it.
type View struct {
	ID              string
	Type            string // "modal" or "home"
	User            string // whose screen it is on
	CallbackID      string
	PrivateMetadata string
	ExternalID      string
	Hash            string // changes with every update, as views.update's hash check expects
	Title           string // the title's text; empty for home views
	Blocks          json.RawMessage
	RootViewID      string            // the first modal of the stack; its own ID for a root
	Errors          map[string]string // the app's last response_action "errors", by block_id
	Updated         int               // how many times it was replaced by views.update, views.publish or response_action "update"
	Closed          bool              // submitted, closed by the person, or cleared
}

func (v View) clone() View {
	v.Blocks = bytes.Clone(v.Blocks)
	v.Errors = maps.Clone(v.Errors)
	return v
}

// viewRecord is a stored view plus the parts of it only payloads need.
type viewRecord struct {
	View
	title, submit, close        json.RawMessage
	clearOnClose, notifyOnClose bool
	previousViewID              string
}

// trigger is a trigger_id the stand-in handed to the app.
type trigger struct {
	user   string
	issued time.Time
	used   bool
}

// Views returns every modal ever opened, in the order they were opened, each
// as it is now (updated, closed).
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []View
	for _, v := range s.views {
		if v.Type == "modal" {
			out = append(out, v.clone())
		}
	}
	return out
}

// Home returns the App Home view the app last published for user.
func (s *Server) Home(user string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.homeLocked(user)
	if v == nil {
		return View{}, false
	}
	return v.clone(), true
}

func (s *Server) homeLocked(user string) *viewRecord {
	for _, v := range s.views {
		if v.Type == "home" && v.User == user {
			return v
		}
	}
	return nil
}

// topModalLocked is the modal user sees: the last one opened and still open.
func (s *Server) topModalLocked(user string) *viewRecord {
	for _, v := range slices.Backward(s.views) {
		if v.Type == "modal" && v.User == user && !v.Closed {
			return v
		}
	}
	return nil
}

func (s *Server) viewLocked(id string) *viewRecord {
	for _, v := range s.views {
		if v.ID == id {
			return v
		}
	}
	return nil
}

func (s *Server) viewByExternalIDLocked(externalID string) *viewRecord {
	for _, v := range s.views {
		if v.ExternalID == externalID {
			return v
		}
	}
	return nil
}

// issueTriggerLocked hands out a trigger_id for user, as Slack does with
// every interaction and slash command.
func (s *Server) issueTriggerLocked(user string) string {
	now := s.opts.Now()
	id := fmt.Sprintf("%d.%d.%s", now.Unix(), len(s.triggers)+1, randomHex(16))
	s.triggers[id] = trigger{user: user, issued: now}
	return id
}

// exchangeTriggerLocked spends a trigger_id and returns whom it was issued to.
func (s *Server) exchangeTriggerLocked(id string) (string, errCode) {
	t, ok := s.triggers[id]
	switch {
	case !ok:
		return "", "invalid_trigger_id"
	case t.used:
		return "", "exchanged_trigger_id"
	case s.opts.Now().Sub(t.issued) > triggerLifetime:
		return "", "expired_trigger_id"
	}
	t.used = true
	s.triggers[id] = t
	return t.user, ""
}

// newHashLocked is a view hash in Slack's "seconds.random" form.
func (s *Server) newHashLocked() string {
	return fmt.Sprintf("%d.%s", s.opts.Now().Unix(), randomHex(4))
}

// viewRequest is the view argument of the views.* methods and of
// response_action "update" and "push".
type viewRequest struct {
	Type            string          `json:"type"`
	Title           json.RawMessage `json:"title"`
	Blocks          json.RawMessage `json:"blocks"`
	Close           json.RawMessage `json:"close"`
	Submit          json.RawMessage `json:"submit"`
	PrivateMetadata string          `json:"private_metadata"`
	CallbackID      string          `json:"callback_id"`
	ClearOnClose    bool            `json:"clear_on_close"`
	NotifyOnClose   bool            `json:"notify_on_close"`
	ExternalID      string          `json:"external_id"`
}

// parseView checks a view the way Slack rejects one with invalid_arguments:
// the type the method needs, a title of at most 24 characters on modals, a
// submit button wherever there is an input block, at most 100 blocks.
func parseView(raw []byte, wantType string) (viewRequest, errCode) {
	var req viewRequest
	if len(raw) == 0 || json.Unmarshal(raw, &req) != nil || req.Type != wantType {
		return viewRequest{}, "invalid_arguments"
	}
	var blocks []block
	if json.Unmarshal(req.Blocks, &blocks) != nil || blocks == nil || len(blocks) > 100 {
		return viewRequest{}, "invalid_arguments"
	}
	if req.Type == "modal" {
		title := textOf(req.Title)
		if title == "" || utf8.RuneCountInString(title) > 24 {
			return viewRequest{}, "invalid_arguments"
		}
		hasInput := slices.ContainsFunc(blocks, func(b block) bool { return b.Type == "input" })
		if hasInput && textOf(req.Submit) == "" {
			return viewRequest{}, "invalid_arguments"
		}
	}
	return req, ""
}

// apply replaces the view's content with req under a new hash.
func (v *viewRecord) apply(req viewRequest, hash string) {
	v.CallbackID = req.CallbackID
	v.PrivateMetadata = req.PrivateMetadata
	if req.ExternalID != "" {
		v.ExternalID = req.ExternalID
	}
	v.Title = textOf(req.Title)
	v.Blocks = req.Blocks
	v.title, v.submit, v.close = req.Title, req.Submit, req.Close
	v.clearOnClose, v.notifyOnClose = req.ClearOnClose, req.NotifyOnClose
	v.Hash = hash
	v.Errors = nil
}

// textOf is the text of a text object, or "" if raw is not one.
func textOf(raw json.RawMessage) string {
	var obj struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &obj)
	return obj.Text
}

// apiView is a view in the shape Slack's Web API and payloads carry it.
type apiView struct {
	ID                 string          `json:"id"`
	TeamID             string          `json:"team_id"`
	Type               string          `json:"type"`
	Title              json.RawMessage `json:"title,omitempty"`
	Close              json.RawMessage `json:"close"`
	Submit             json.RawMessage `json:"submit"`
	Blocks             json.RawMessage `json:"blocks"`
	PrivateMetadata    string          `json:"private_metadata"`
	CallbackID         string          `json:"callback_id"`
	ExternalID         string          `json:"external_id"`
	State              viewState       `json:"state"`
	Hash               string          `json:"hash"`
	ClearOnClose       bool            `json:"clear_on_close"`
	NotifyOnClose      bool            `json:"notify_on_close"`
	RootViewID         *string         `json:"root_view_id"`
	PreviousViewID     *string         `json:"previous_view_id"`
	AppID              string          `json:"app_id"`
	AppInstalledTeamID string          `json:"app_installed_team_id"`
	BotID              string          `json:"bot_id"`
}

type viewState struct {
	Values map[string]map[string]any `json:"values"`
}

// toAPIView encodes v with the given input state (nil for none). Blocks get
// the block_id Slack would have given those that came without one.
func (s *Server) toAPIView(v *viewRecord, values map[string]map[string]any) apiView {
	if values == nil {
		values = map[string]map[string]any{}
	}
	out := apiView{
		ID:                 v.ID,
		TeamID:             s.opts.TeamID,
		Type:               v.Type,
		Close:              v.close,
		Submit:             v.submit,
		Blocks:             withBlockIDs(v.Blocks, v.ID),
		PrivateMetadata:    v.PrivateMetadata,
		CallbackID:         v.CallbackID,
		ExternalID:         v.ExternalID,
		State:              viewState{Values: values},
		Hash:               v.Hash,
		ClearOnClose:       v.clearOnClose,
		NotifyOnClose:      v.notifyOnClose,
		AppID:              AppID,
		AppInstalledTeamID: s.opts.TeamID,
		BotID:              BotID,
	}
	if v.Type == "modal" {
		out.Title = v.title
		out.RootViewID = &v.RootViewID
	}
	if v.previousViewID != "" {
		out.PreviousViewID = &v.previousViewID
	}
	return out
}

func (s *Server) viewsOpen(_ *http.Request, p url.Values) (map[string]any, errCode) {
	return s.openModal(p, false)
}

// viewsPush stacks a modal on the one the trigger's user has open; with
// none open it opens a new stack, which Slack would refuse.
func (s *Server) viewsPush(_ *http.Request, p url.Values) (map[string]any, errCode) {
	return s.openModal(p, true)
}

func (s *Server) openModal(p url.Values, push bool) (map[string]any, errCode) {
	req, code := parseView([]byte(p.Get("view")), "modal")
	if code != "" {
		return nil, code
	}
	triggerID := p.Get("trigger_id")
	if triggerID == "" {
		triggerID = p.Get("interactivity_pointer")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.ExternalID != "" && s.viewByExternalIDLocked(req.ExternalID) != nil {
		return nil, "duplicate_external_id"
	}
	var top *viewRecord
	if push {
		top = s.topModalLocked(s.triggers[triggerID].user)
		if top != nil && s.stackDepthLocked(top.RootViewID) >= maxModalStack {
			return nil, "push_limit_reached"
		}
	}
	user, code := s.exchangeTriggerLocked(triggerID)
	if code != "" {
		return nil, code
	}
	v := &viewRecord{View: View{ID: "V" + randomID(10), Type: "modal", User: user}}
	v.RootViewID = v.ID
	if top != nil {
		v.RootViewID, v.previousViewID = top.RootViewID, top.ID
	}
	v.apply(req, s.newHashLocked())
	s.views = append(s.views, v)
	return map[string]any{"view": s.toAPIView(v, nil)}, ""
}

func (s *Server) stackDepthLocked(rootViewID string) int {
	n := 0
	for _, v := range s.views {
		if v.RootViewID == rootViewID && !v.Closed {
			n++
		}
	}
	return n
}

func (s *Server) viewsUpdate(_ *http.Request, p url.Values) (map[string]any, errCode) {
	viewID, externalID := p.Get("view_id"), p.Get("external_id")
	if viewID == "" && externalID == "" {
		return nil, "invalid_arguments"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.viewLocked(viewID)
	if viewID == "" {
		v = s.viewByExternalIDLocked(externalID)
	}
	// A closed modal is gone from the person's screen, and Slack with it.
	if v == nil || v.Closed {
		return nil, "not_found"
	}
	req, code := parseView([]byte(p.Get("view")), v.Type)
	if code != "" {
		return nil, code
	}
	if hash := p.Get("hash"); hash != "" && hash != v.Hash {
		return nil, "hash_conflict"
	}
	if other := s.viewByExternalIDLocked(req.ExternalID); req.ExternalID != "" && other != nil && other != v {
		return nil, "duplicate_external_id"
	}
	v.apply(req, s.newHashLocked())
	v.Updated++
	return map[string]any{"view": s.toAPIView(v, nil)}, ""
}

// viewsPublish replaces user's App Home. The home keeps its view id across
// publishes, as Slack's does.
func (s *Server) viewsPublish(_ *http.Request, p url.Values) (map[string]any, errCode) {
	user := p.Get("user_id")
	if user == "" {
		return nil, "invalid_arguments"
	}
	req, code := parseView([]byte(p.Get("view")), "home")
	if code != "" {
		return nil, code
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.homeLocked(user)
	if hash := p.Get("hash"); hash != "" && (v == nil || hash != v.Hash) {
		return nil, "hash_conflict"
	}
	if v == nil {
		v = &viewRecord{View: View{ID: "V" + randomID(10), Type: "home", User: user}}
		s.views = append(s.views, v)
	} else {
		v.Updated++
	}
	v.apply(req, s.newHashLocked())
	return map[string]any{"view": s.toAPIView(v, nil)}, ""
}

// randomHex returns 2n random hexadecimal digits.
func randomHex(n int) string {
	return hex.EncodeToString(randomBytes(n))
}
