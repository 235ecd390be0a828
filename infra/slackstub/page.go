package slackstub

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"unicode/utf8"
)

//go:embed page.html
var pageHTML []byte

// pageCSP lets only the page's own inline script run: the page renders
// untrusted customer text, and a rendering slip must not become script execution.
var pageCSP = func() string {
	_, rest, _ := bytes.Cut(pageHTML, []byte("<script>"))
	script, _, _ := bytes.Cut(rest, []byte("</script>"))
	sum := sha256.Sum256(script)
	return "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'"
}()

func servePage(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pageCSP)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(pageHTML)
}

// pageState is what the page polls from threads.json. With ?user=, it is
// what that person sees: their ephemeral messages only, their open modal and
// their App Home.
type pageState struct {
	TeamID    string        `json:"team_id"`
	BotUserID string        `json:"bot_user_id"`
	People    []pagePerson  `json:"people"`
	Channels  []pageChannel `json:"channels"`
	Modal     *pageView     `json:"modal,omitempty"`
	Home      *pageView     `json:"home,omitempty"`
}

type pagePerson struct {
	person
	InGroup bool `json:"in_group"` // member of some user group, which the app may take for an agent
}

type pageChannel struct {
	ID      string       `json:"id"`
	Threads []pageThread `json:"threads"` // newest first
}

type pageThread struct {
	Root    pageMessage   `json:"root"`
	Replies []pageMessage `json:"replies"`
}

type pageMessage struct {
	TS            string          `json:"ts"`
	Author        string          `json:"author"`
	Kind          string          `json:"kind"` // "bot", "agent" (a known person in a user group), "member" (a known person in none) or "user"
	User          string          `json:"user,omitempty"`
	Username      string          `json:"username,omitempty"`
	IconEmoji     string          `json:"icon_emoji,omitempty"`
	Text          string          `json:"text"`
	Blocks        json.RawMessage `json:"blocks,omitempty"`
	Reactions     []pageReaction  `json:"reactions,omitempty"`
	Updated       int             `json:"updated,omitempty"`
	Edited        bool            `json:"edited,omitempty"`
	Deleted       bool            `json:"deleted,omitempty"`
	EphemeralFor  string          `json:"ephemeral_for,omitempty"`
	DeliveryError string          `json:"delivery_error,omitempty"`
}

type pageReaction struct {
	Name  string   `json:"name"`
	Users []string `json:"users"`
}

// pageView is a modal or App Home as the page renders it.
type pageView struct {
	ID     string            `json:"id"`
	Hash   string            `json:"hash"`
	Title  string            `json:"title,omitempty"`
	Submit string            `json:"submit,omitempty"`
	Close  string            `json:"close,omitempty"`
	Blocks json.RawMessage   `json:"blocks"` // block_id filled in, so that errors can be placed
	Errors map[string]string `json:"errors,omitempty"`
}

func (s *Server) serveThreads(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.pageState(r.URL.Query().Get("user")))
}

func (s *Server) pageState(user string) pageState {
	s.mu.Lock()
	defer s.mu.Unlock()

	state := pageState{TeamID: s.opts.TeamID, BotUserID: s.opts.BotUserID, Channels: []pageChannel{}}
	for _, p := range people {
		state.People = append(state.People, pagePerson{person: p, InGroup: s.inGroup(p.ID)})
	}
	visible := func(rec *record) bool {
		return !rec.Ephemeral || user == "" || rec.EphemeralUser == user
	}
	channelIndex := map[string]int{}
	type threadKey struct{ channel, ts string }
	replies := map[threadKey][]pageMessage{}
	for _, rec := range s.records {
		if !visible(rec) {
			continue
		}
		if _, ok := channelIndex[rec.Channel]; !ok {
			channelIndex[rec.Channel] = len(state.Channels)
			state.Channels = append(state.Channels, pageChannel{ID: rec.Channel, Threads: []pageThread{}})
		}
		if rec.ThreadTS != "" {
			key := threadKey{rec.Channel, rec.ThreadTS}
			replies[key] = append(replies[key], s.pageMessage(rec))
		}
	}
	// Records are in ts order, so walking them backwards lists roots newest first.
	for _, rec := range slices.Backward(s.records) {
		if rec.ThreadTS != "" || !visible(rec) {
			continue
		}
		thread := pageThread{Root: s.pageMessage(rec), Replies: replies[threadKey{rec.Channel, rec.TS}]}
		// As in Slack, a deleted root stays only to hold its replies.
		if rec.Deleted && len(thread.Replies) == 0 {
			continue
		}
		if thread.Replies == nil {
			thread.Replies = []pageMessage{}
		}
		ch := &state.Channels[channelIndex[rec.Channel]]
		ch.Threads = append(ch.Threads, thread)
	}
	if v := s.topModalLocked(user); user != "" && v != nil {
		state.Modal = pageViewOf(v)
	}
	if v := s.homeLocked(user); user != "" && v != nil {
		state.Home = pageViewOf(v)
	}
	return state
}

// inGroup reports whether user is in any user group.
func (s *Server) inGroup(user string) bool {
	for _, members := range s.opts.UserGroups {
		if slices.Contains(members, user) {
			return true
		}
	}
	return false
}

func pageViewOf(v *viewRecord) *pageView {
	return &pageView{
		ID:     v.ID,
		Hash:   v.Hash,
		Title:  v.Title,
		Submit: textOf(v.submit),
		Close:  textOf(v.close),
		Blocks: withBlockIDs(v.Blocks, v.ID),
		Errors: maps.Clone(v.Errors),
	}
}

func (s *Server) pageMessage(rec *record) pageMessage {
	// Copy, because the state is encoded after the lock is released.
	msg := rec.clone()
	m := pageMessage{
		TS:            msg.TS,
		User:          msg.User,
		Username:      msg.Username,
		IconEmoji:     msg.IconEmoji,
		Text:          msg.Text,
		Blocks:        msg.Blocks,
		Updated:       msg.Updated,
		Edited:        msg.Edited != "",
		Deleted:       msg.Deleted,
		DeliveryError: rec.deliveryErr,
	}
	if msg.Deleted {
		m.Text, m.Blocks = "", nil
	}
	for i, name := range msg.Reactions {
		j := slices.IndexFunc(m.Reactions, func(r pageReaction) bool { return r.Name == name })
		if j < 0 {
			m.Reactions = append(m.Reactions, pageReaction{Name: name})
			j = len(m.Reactions) - 1
		}
		m.Reactions[j].Users = append(m.Reactions[j].Users, msg.ReactionUsers[i])
	}
	switch p, known := findPerson(rec.User); {
	case rec.BotID != "":
		m.Kind, m.Author = "bot", "Switchboard"
		if rec.Username != "" {
			m.Author = rec.Username
		}
	case known && s.inGroup(p.ID):
		m.Kind, m.Author = "agent", p.RealName
	case known:
		m.Kind, m.Author = "member", p.RealName
	default:
		m.Kind, m.Author = "user", rec.User
	}
	if rec.Ephemeral {
		m.EphemeralFor = rec.EphemeralUser
		if p, ok := findPerson(rec.EphemeralUser); ok {
			m.EphemeralFor = p.RealName
		}
	}
	return m
}

type replyRequest struct {
	Channel  string `json:"channel"`
	ThreadTS string `json:"thread_ts"`
	User     string `json:"user"`
	Text     string `json:"text"`
}

func (s *Server) serveReply(w http.ResponseWriter, r *http.Request) {
	var req replyRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid JSON: " + err.Error()})
		return
	}
	ts, err := s.Reply(r.Context(), req.Channel, req.ThreadTS, req.User, req.Text)
	switch {
	case isBadArgument(err):
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": err.Error()})
	case err != nil:
		writeJSON(w, http.StatusBadGateway, map[string]any{"ok": false, "error": err.Error(), "ts": ts})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "ts": ts})
	}
}

// pageAction is the JSON body of the page's action endpoints; each uses the
// fields its method takes.
type pageAction struct {
	Channel  string            `json:"channel"`
	TS       string            `json:"ts"`
	User     string            `json:"user"`
	ActionID string            `json:"action_id"`
	Value    string            `json:"value"`
	ViewID   string            `json:"view_id"`
	Values   map[string]string `json:"values"`
	Name     string            `json:"name"`
	Text     string            `json:"text"`
	Command  string            `json:"command"`
}

// pageActions are the page's endpoints that act as a person, by path.
var pageActions = map[string]func(*Server, context.Context, pageAction) (AppResponse, error){
	"click": func(s *Server, ctx context.Context, a pageAction) (AppResponse, error) {
		return s.Click(ctx, a.Channel, a.TS, a.User, a.ActionID, a.Value)
	},
	"home/click": func(s *Server, ctx context.Context, a pageAction) (AppResponse, error) {
		return s.ClickHome(ctx, a.User, a.ActionID, a.Value)
	},
	"home/open": func(s *Server, ctx context.Context, a pageAction) (AppResponse, error) {
		return s.OpenHome(ctx, a.User)
	},
	"submit": func(s *Server, ctx context.Context, a pageAction) (AppResponse, error) {
		return s.Submit(ctx, a.ViewID, a.User, a.Values)
	},
	"close": func(s *Server, ctx context.Context, a pageAction) (AppResponse, error) {
		return s.CloseView(ctx, a.ViewID, a.User)
	},
	"react": func(s *Server, ctx context.Context, a pageAction) (AppResponse, error) {
		return s.React(ctx, a.Channel, a.TS, a.User, a.Name)
	},
	"edit": func(s *Server, ctx context.Context, a pageAction) (AppResponse, error) {
		return s.Edit(ctx, a.Channel, a.TS, a.User, a.Text)
	},
	"delete": func(s *Server, ctx context.Context, a pageAction) (AppResponse, error) {
		return s.Delete(ctx, a.Channel, a.TS, a.User)
	},
	"command": func(s *Server, ctx context.Context, a pageAction) (AppResponse, error) {
		return s.Command(ctx, a.User, a.Channel, a.Command, a.Text)
	},
}

// servePageAction answers 200 with the app's answer when the app took it
// (2xx, or nothing was sent), 400 when the request was wrong and 502 when the
// app failed or refused.
func (s *Server) servePageAction(act func(*Server, context.Context, pageAction) (AppResponse, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.noteURL(r, false)
		var req pageAction
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody)).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid JSON: " + err.Error()})
			return
		}
		resp, err := act(s, r.Context(), req)
		answer := map[string]any{"ok": err == nil, "status": resp.Status, "body": string(resp.Body)}
		status := http.StatusOK
		switch {
		case isBadArgument(err):
			status, answer["error"] = http.StatusBadRequest, err.Error()
		case err != nil:
			status, answer["error"] = http.StatusBadGateway, err.Error()
		case resp.Status != 0 && resp.Status/100 != 2:
			status, answer["ok"] = http.StatusBadGateway, false
			answer["error"] = fmt.Sprintf("app answered %d %s: %s", resp.Status, http.StatusText(resp.Status), truncate(string(resp.Body), 300))
		}
		writeJSON(w, status, answer)
	}
}

// truncate shortens s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
