package slackstub

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxAPIBody bounds request bodies; Slack's own limits are far below this.
const maxAPIBody = 4 << 20

// errCode is a Slack Web API error such as "message_not_found"; empty means success.
type errCode string

type apiMethod func(s *Server, r *http.Request, p url.Values) (map[string]any, errCode)

var apiMethods = map[string]apiMethod{
	"auth.test":             (*Server).authTest,
	"chat.postMessage":      (*Server).chatPostMessage,
	"chat.update":           (*Server).chatUpdate,
	"chat.delete":           (*Server).chatDelete,
	"chat.postEphemeral":    (*Server).chatPostEphemeral,
	"chat.getPermalink":     (*Server).chatGetPermalink,
	"reactions.add":         (*Server).reactionsAdd,
	"reactions.remove":      (*Server).reactionsRemove,
	"users.info":            (*Server).usersInfo,
	"usergroups.users.list": (*Server).usergroupsUsersList,
	"views.open":            (*Server).viewsOpen,
	"views.push":            (*Server).viewsPush,
	"views.update":          (*Server).viewsUpdate,
	"views.publish":         (*Server).viewsPublish,
}

// serveAPI answers like Slack: HTTP 200 with {"ok":false,...} for every API
// error, so that slack-go surfaces the error string to the app.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	s.noteURL(r, true)
	s.mu.Lock()
	s.calls[method]++
	n := s.calls[method]
	s.mu.Unlock()

	if method == "chat.postMessage" && s.opts.RateLimitEvery > 0 && n%s.opts.RateLimitEvery == 0 {
		s.writeRateLimited(w)
		return
	}

	params, code := apiParams(w, r)
	if code != "" {
		writeAPIError(w, http.StatusOK, code)
		return
	}
	if apiToken(r, params) == "" {
		writeAPIError(w, http.StatusOK, "not_authed")
		return
	}
	if fail, ok := s.popFailure(method); ok {
		if fail == "ratelimited" {
			s.writeRateLimited(w)
			return
		}
		writeAPIError(w, http.StatusOK, errCode(fail))
		return
	}
	handle, ok := apiMethods[method]
	if !ok {
		writeAPIError(w, http.StatusOK, "unknown_method")
		return
	}
	result, code := handle(s, r, params)
	if code != "" {
		writeAPIError(w, http.StatusOK, code)
		return
	}
	result["ok"] = true
	writeJSON(w, http.StatusOK, result)
}

// writeRateLimited answers as Slack does when a method's rate limit is hit.
func (s *Server) writeRateLimited(w http.ResponseWriter) {
	w.Header().Set("Retry-After", s.opts.RetryAfter)
	writeAPIError(w, http.StatusTooManyRequests, "ratelimited")
}

func (s *Server) popFailure(method string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	queue := s.failNext[method]
	if len(queue) == 0 {
		return "", false
	}
	s.failNext[method] = queue[1:]
	return queue[0], true
}

// apiParams reads the arguments of a Web API call. slack-go sends most
// methods as a form, a few (chat.getPermalink) as a GET query, and Slack also
// accepts JSON bodies, whose non-string values (blocks) become raw JSON text
// as they would be in a form.
func apiParams(w http.ResponseWriter, r *http.Request) (url.Values, errCode) {
	r.Body = http.MaxBytesReader(w, r.Body, maxAPIBody)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/json" {
		if err := r.ParseForm(); err != nil {
			return nil, "invalid_form_data"
		}
		return r.Form, ""
	}
	var fields map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&fields); err != nil {
		return nil, "invalid_json"
	}
	params := r.URL.Query()
	for name, raw := range fields {
		var str string
		switch {
		case json.Unmarshal(raw, &str) == nil:
			params.Set(name, str)
		case string(raw) != "null":
			params.Set(name, string(raw))
		}
	}
	return params, ""
}

func apiToken(r *http.Request, params url.Values) string {
	if token := params.Get("token"); token != "" {
		return token
	}
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return strings.TrimSpace(token)
}

func writeAPIError(w http.ResponseWriter, status int, code errCode) {
	writeJSON(w, status, map[string]any{"ok": false, "error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// The status line is already sent, so an encoding error (a client gone
	// away) has nowhere to be reported.
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) authTest(r *http.Request, _ url.Values) (map[string]any, errCode) {
	return map[string]any{
		"url":     pageURL(r),
		"team":    "Switchboard (local)",
		"user":    "switchboard",
		"team_id": s.opts.TeamID,
		"user_id": s.opts.BotUserID,
		"bot_id":  BotID,
	}, ""
}

func (s *Server) chatPostMessage(_ *http.Request, p url.Values) (map[string]any, errCode) {
	m, code := s.botMessage(p)
	if code != "" {
		return nil, code
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if code := s.resolveThreadLocked(&m); code != "" {
		return nil, code
	}
	rec := s.appendLocked(m)
	return map[string]any{"channel": rec.Channel, "ts": rec.TS, "message": s.toAPIMessage(rec.Message)}, ""
}

func (s *Server) chatPostEphemeral(_ *http.Request, p url.Values) (map[string]any, errCode) {
	m, code := s.botMessage(p)
	if code != "" {
		return nil, code
	}
	m.Ephemeral = true
	m.EphemeralUser = p.Get("user")
	if m.EphemeralUser == "" {
		return nil, "user_not_found"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if code := s.resolveThreadLocked(&m); code != "" {
		return nil, code
	}
	rec := s.appendLocked(m)
	return map[string]any{"message_ts": rec.TS}, ""
}

// botMessage builds the message a chat.postMessage-style call describes.
func (s *Server) botMessage(p url.Values) (Message, errCode) {
	m := Message{
		Channel:   p.Get("channel"),
		ThreadTS:  p.Get("thread_ts"),
		Text:      p.Get("text"),
		Username:  p.Get("username"),
		IconEmoji: p.Get("icon_emoji"),
		IconURL:   p.Get("icon_url"),
		User:      s.opts.BotUserID,
		BotID:     BotID,
	}
	if m.Channel == "" {
		return Message{}, "channel_not_found"
	}
	blocks, code := parseBlocks(p.Get("blocks"))
	if code != "" {
		return Message{}, code
	}
	m.Blocks = blocks
	if m.Text == "" && m.Blocks == nil {
		return Message{}, "no_text"
	}
	return m, ""
}

// resolveThreadLocked points a reply at its thread's root. Slack would accept
// an unknown thread_ts and lose the message; failing shows the app's bug instead.
func (s *Server) resolveThreadLocked(m *Message) errCode {
	if m.ThreadTS == "" {
		return ""
	}
	root, ok := s.threadRootLocked(m.Channel, m.ThreadTS)
	if !ok {
		return "thread_not_found"
	}
	m.ThreadTS = root
	return ""
}

func (s *Server) chatUpdate(_ *http.Request, p url.Values) (map[string]any, errCode) {
	blocks, code := parseBlocks(p.Get("blocks"))
	if code != "" {
		return nil, code
	}
	if !p.Has("text") && !p.Has("blocks") {
		return nil, "no_text"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.findLocked(p.Get("channel"), p.Get("ts"))
	if rec == nil {
		return nil, "message_not_found"
	}
	if rec.BotID == "" {
		return nil, "cant_update_message"
	}
	if p.Has("text") {
		rec.Text = p.Get("text")
	}
	if p.Has("blocks") {
		rec.Blocks = blocks
	}
	rec.Updated++
	return map[string]any{"channel": rec.Channel, "ts": rec.TS, "text": rec.Text, "message": s.toAPIMessage(rec.Message)}, ""
}

// chatDelete deletes a bot message. Like Slack, it sends the app no event
// for its own deletion here: the stand-in sends events only for what people do.
func (s *Server) chatDelete(_ *http.Request, p url.Values) (map[string]any, errCode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.findLocked(p.Get("channel"), p.Get("ts"))
	if rec == nil {
		return nil, "message_not_found"
	}
	if rec.BotID == "" {
		return nil, "cant_delete_message"
	}
	rec.Deleted = true
	return map[string]any{"channel": rec.Channel, "ts": rec.TS}, ""
}

func (s *Server) chatGetPermalink(r *http.Request, p url.Values) (map[string]any, errCode) {
	channel, ts := p.Get("channel"), p.Get("message_ts")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findLocked(channel, ts) == nil {
		return nil, "message_not_found"
	}
	return map[string]any{"channel": channel, "permalink": pageURL(r) + "#" + anchorID(channel, ts)}, ""
}

// anchorID is the page element id of a message; permalinks point at it.
func anchorID(channel, ts string) string {
	return "msg-" + channel + "-" + ts
}

// reactionsAdd and reactionsRemove act as the bot user, whose token the app uses.
func (s *Server) reactionsAdd(_ *http.Request, p url.Values) (map[string]any, errCode) {
	return s.react(p, func(rec *record, name string) errCode {
		if !rec.addReaction(name, s.opts.BotUserID) {
			return "already_reacted"
		}
		return ""
	})
}

func (s *Server) reactionsRemove(_ *http.Request, p url.Values) (map[string]any, errCode) {
	return s.react(p, func(rec *record, name string) errCode {
		if !rec.removeReaction(name, s.opts.BotUserID) {
			return "no_reaction"
		}
		return ""
	})
}

func (s *Server) react(p url.Values, change func(*record, string) errCode) (map[string]any, errCode) {
	// Slack takes names without colons but people often write ":eyes:".
	name := strings.Trim(p.Get("name"), ":")
	if name == "" {
		return nil, "invalid_name"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.findLocked(p.Get("channel"), p.Get("timestamp"))
	if rec == nil {
		return nil, "message_not_found"
	}
	if code := change(rec, name); code != "" {
		return nil, code
	}
	return map[string]any{}, ""
}

func (s *Server) usersInfo(_ *http.Request, p url.Values) (map[string]any, errCode) {
	id := p.Get("user")
	if id == s.opts.BotUserID {
		return map[string]any{"user": apiUser{
			ID: id, TeamID: s.opts.TeamID, Name: "switchboard", RealName: "Switchboard", IsBot: true,
			Profile: apiProfile{RealName: "Switchboard", DisplayName: "Switchboard", BotID: BotID},
		}}, ""
	}
	a, ok := findPerson(id)
	if !ok {
		return nil, "user_not_found"
	}
	return map[string]any{"user": apiUser{
		ID: a.ID, TeamID: s.opts.TeamID, Name: a.Name, RealName: a.RealName, TZ: "Europe/London",
		Profile: apiProfile{RealName: a.RealName, DisplayName: a.DisplayName},
	}}, ""
}

func (s *Server) usergroupsUsersList(_ *http.Request, p url.Values) (map[string]any, errCode) {
	members, ok := s.opts.UserGroups[p.Get("usergroup")]
	if !ok {
		return nil, "no_such_subteam"
	}
	// Never null: an empty group lists no users.
	return map[string]any{"users": append([]string{}, members...)}, ""
}

type apiUser struct {
	ID       string     `json:"id"`
	TeamID   string     `json:"team_id"`
	Name     string     `json:"name"`
	Deleted  bool       `json:"deleted"`
	RealName string     `json:"real_name"`
	TZ       string     `json:"tz,omitempty"`
	IsBot    bool       `json:"is_bot"`
	Profile  apiProfile `json:"profile"`
}

type apiProfile struct {
	RealName    string `json:"real_name"`
	DisplayName string `json:"display_name"`
	BotID       string `json:"bot_id,omitempty"`
}

// apiMessage is a message in the shape Slack's Web API returns it.
type apiMessage struct {
	Type      string          `json:"type"`
	User      string          `json:"user,omitempty"`
	BotID     string          `json:"bot_id,omitempty"`
	AppID     string          `json:"app_id,omitempty"`
	Username  string          `json:"username,omitempty"`
	Icons     *apiIcons       `json:"icons,omitempty"`
	Text      string          `json:"text"`
	Blocks    json.RawMessage `json:"blocks,omitempty"`
	Team      string          `json:"team"`
	TS        string          `json:"ts"`
	ThreadTS  string          `json:"thread_ts,omitempty"`
	Reactions []apiReaction   `json:"reactions,omitempty"`
}

type apiIcons struct {
	Emoji    string `json:"emoji,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
}

type apiReaction struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Users []string `json:"users"`
}

func (s *Server) toAPIMessage(m Message) apiMessage {
	out := apiMessage{
		Type:     "message",
		User:     m.User,
		BotID:    m.BotID,
		Username: m.Username,
		Text:     m.Text,
		Blocks:   m.Blocks,
		Team:     s.opts.TeamID,
		TS:       m.TS,
		ThreadTS: m.ThreadTS,
	}
	if m.BotID != "" {
		out.AppID = AppID
	}
	if m.IconEmoji != "" || m.IconURL != "" {
		out.Icons = &apiIcons{Emoji: m.IconEmoji, ImageURL: m.IconURL}
	}
	for i, name := range m.Reactions {
		j := slices.IndexFunc(out.Reactions, func(r apiReaction) bool { return r.Name == name })
		if j < 0 {
			out.Reactions = append(out.Reactions, apiReaction{Name: name})
			j = len(out.Reactions) - 1
		}
		out.Reactions[j].Count++
		out.Reactions[j].Users = append(out.Reactions[j].Users, m.ReactionUsers[i])
	}
	return out
}

// parseBlocks checks that a blocks argument is a JSON array. An empty array
// means no blocks, which is how chat.update clears them.
func parseBlocks(raw string) (json.RawMessage, errCode) {
	if raw == "" {
		return nil, ""
	}
	var blocks []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return nil, "invalid_blocks_format"
	}
	if len(blocks) == 0 {
		return nil, ""
	}
	return json.RawMessage(raw), ""
}
