package slackstub

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
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

// pageState is what the page polls from threads.json.
type pageState struct {
	TeamID    string        `json:"team_id"`
	BotUserID string        `json:"bot_user_id"`
	Agents    []agent       `json:"agents"`
	Channels  []pageChannel `json:"channels"`
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
	Kind          string          `json:"kind"` // "bot", "agent" or "user"
	User          string          `json:"user,omitempty"`
	Username      string          `json:"username,omitempty"`
	IconEmoji     string          `json:"icon_emoji,omitempty"`
	Text          string          `json:"text"`
	Blocks        json.RawMessage `json:"blocks,omitempty"`
	Reactions     []string        `json:"reactions,omitempty"`
	Updated       int             `json:"updated,omitempty"`
	EphemeralFor  string          `json:"ephemeral_for,omitempty"`
	DeliveryError string          `json:"delivery_error,omitempty"`
}

func (s *Server) serveThreads(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.pageState())
}

func (s *Server) pageState() pageState {
	s.mu.Lock()
	defer s.mu.Unlock()

	state := pageState{TeamID: s.opts.TeamID, BotUserID: s.opts.BotUserID, Agents: agents, Channels: []pageChannel{}}
	channelIndex := map[string]int{}
	type threadKey struct{ channel, ts string }
	replies := map[threadKey][]pageMessage{}
	for _, rec := range s.records {
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
		if rec.ThreadTS != "" {
			continue
		}
		ch := &state.Channels[channelIndex[rec.Channel]]
		thread := pageThread{Root: s.pageMessage(rec), Replies: replies[threadKey{rec.Channel, rec.TS}]}
		if thread.Replies == nil {
			thread.Replies = []pageMessage{}
		}
		ch.Threads = append(ch.Threads, thread)
	}
	return state
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
		Reactions:     msg.Reactions,
		Updated:       msg.Updated,
		DeliveryError: rec.deliveryErr,
	}
	switch a, isAgent := findAgent(rec.User); {
	case rec.BotID != "":
		m.Kind, m.Author = "bot", "Switchboard"
		if rec.Username != "" {
			m.Author = rec.Username
		}
	case isAgent:
		m.Kind, m.Author = "agent", a.RealName
	default:
		m.Kind, m.Author = "user", rec.User
	}
	if rec.Ephemeral {
		m.EphemeralFor = rec.EphemeralUser
		if a, ok := findAgent(rec.EphemeralUser); ok {
			m.EphemeralFor = a.RealName
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
	case errors.Is(err, errBadReply):
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": err.Error()})
	case err != nil:
		writeJSON(w, http.StatusBadGateway, map[string]any{"ok": false, "error": err.Error(), "ts": ts})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "ts": ts})
	}
}
