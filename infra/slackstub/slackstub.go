// Package slackstub is a local stand-in for Slack, used by `make dev` and by
// end-to-end tests. It serves a fake Web API that records what the app posts
// (messages, modals, App Home views), and a page where a person sees the
// support threads and acts as an agent. What people do there, or what tests do
// through the exported methods (replies, edits, deletions, reactions, clicks
// on Block Kit elements, modal submissions, slash commands, opening the App
// Home), reaches the app signed as Slack signs it: Events API requests,
// interaction payloads and slash command forms. The app answers through the
// Web API or through the response_url the stand-in hands out, and the stand-in
// records that too.
package slackstub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Identifiers of the app and its bot in the stand-in workspace. They are fixed
// so that tests and local configuration can refer to them.
const (
	BotID = "B0SWITCHBOARD"
	AppID = "A0SWITCHBOARD"
)

// People of the stand-in workspace, known to users.info and offered on the
// page. Alex and Sam are in the AgentsGroupID user group by default; Casey is
// in no group, the "not an agent" case.
const (
	AgentAlexID  = "U0AGENT1"
	AgentSamID   = "U0AGENT2"
	GuestCaseyID = "U0GUEST1"
)

// AgentsGroupID is the user group of the default Options.UserGroups.
const AgentsGroupID = "S0AGENTS"

// teamDomain is the workspace's domain in interaction payloads and slash commands.
const teamDomain = "switchboard-local"

type person struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	RealName    string `json:"real_name"`
	DisplayName string `json:"display_name"`
}

var people = []person{
	{ID: AgentAlexID, Name: "alex", RealName: "Alex Agent", DisplayName: "Alex"},
	{ID: AgentSamID, Name: "sam", RealName: "Sam Support", DisplayName: "Sam"},
	{ID: GuestCaseyID, Name: "casey", RealName: "Casey Guest", DisplayName: "Casey"},
}

func findPerson(id string) (person, bool) {
	i := slices.IndexFunc(people, func(p person) bool { return p.ID == id })
	if i < 0 {
		return person{}, false
	}
	return people[i], true
}

// userName is the handle Slack sends as user_name and user.name: the
// person's name, or the id for someone the stand-in does not know.
func userName(id string) string {
	if p, ok := findPerson(id); ok {
		return p.Name
	}
	return id
}

// Options configures a Server. Zero values get the documented defaults.
type Options struct {
	SigningSecret   string // signs everything sent to the app
	EventsURL       string // where events are POSTed, e.g. http://localhost:8080/slack/events
	InteractionsURL string // where interaction payloads are POSTed, e.g. http://localhost:8080/slack/interactions
	CommandsURL     string // where slash commands are POSTed, e.g. http://localhost:8080/slack/commands

	// BaseURL is the stand-in's own absolute URL, e.g.
	// http://localhost:8080/dev/slack: response_url values point under it.
	// When empty, the stand-in uses the URL its last Web API call reached it
	// at (or, before any, the page's), which is what the app will reach.
	BaseURL string

	BotUserID  string           // default "U0SWITCHBOARD"; returned by auth.test
	TeamID     string           // default "T0LOCAL"
	HTTPClient *http.Client     // default http.DefaultClient; sends to the app
	Now        func() time.Time // default time.Now; dates ts values, triggers and signatures

	// RetryAfter is the Retry-After header of rate-limited answers, in whole
	// seconds as Slack sends it; default "1".
	RetryAfter string
	// RateLimitEvery, when > 0, answers every Nth call to chat.postMessage
	// (counting all calls) with HTTP 429 "ratelimited": a deterministic 429 storm.
	RateLimitEvery int
	// UserGroups maps a user group id to its members for
	// usergroups.users.list; default {AgentsGroupID: {AgentAlexID, AgentSamID}}.
	UserGroups map[string][]string
}

// Message is a message as the stand-in recorded it.
//
// Bot posts carry User=BotUserID and BotID, as Slack reports messages posted
// with a bot token. ThreadTS is set only on replies; a thread's root keeps it
// empty. Text is stored as Slack stores it, so agent replies have &, < and >
// escaped.
//
// Reactions has one entry per person who reacted, in the order they did, so
// a name appears once for each person; ReactionUsers[i] added Reactions[i].
// A deleted message stays in Messages with Deleted set, but Thread leaves it out.
type Message struct {
	Channel       string
	TS            string
	ThreadTS      string
	Text          string
	Username      string
	IconEmoji     string
	IconURL       string
	User          string
	BotID         string
	Blocks        json.RawMessage
	Reactions     []string
	ReactionUsers []string
	Ephemeral     bool
	EphemeralUser string
	Updated       int    // how many times chat.update or a response_url replaced the message
	Edited        string // ts of its author's last edit (Edit); empty if never edited
	Deleted       bool   // by chat.delete, Delete or a response_url's delete_original
}

func (m Message) clone() Message {
	m.Blocks = bytes.Clone(m.Blocks)
	m.Reactions = slices.Clone(m.Reactions)
	m.ReactionUsers = slices.Clone(m.ReactionUsers)
	return m
}

// reactionIndex is the index of user's reaction name, or -1.
func (m *Message) reactionIndex(name, user string) int {
	for i := range m.Reactions {
		if m.Reactions[i] == name && m.ReactionUsers[i] == user {
			return i
		}
	}
	return -1
}

// addReaction records user's reaction name; false if it is already there.
func (m *Message) addReaction(name, user string) bool {
	if m.reactionIndex(name, user) >= 0 {
		return false
	}
	m.Reactions = append(m.Reactions, name)
	m.ReactionUsers = append(m.ReactionUsers, user)
	return true
}

// removeReaction removes user's reaction name; false if there is none.
func (m *Message) removeReaction(name, user string) bool {
	i := m.reactionIndex(name, user)
	if i < 0 {
		return false
	}
	m.Reactions = slices.Delete(m.Reactions, i, i+1)
	m.ReactionUsers = slices.Delete(m.ReactionUsers, i, i+1)
	return true
}

// record is a stored message plus what the page needs to know about it.
type record struct {
	Message
	deliveryErr string // why the app did not accept the event for an agent reply
}

// Server is the Slack stand-in. Create it with New; it is safe for concurrent use.
type Server struct {
	opts Options

	mu         sync.Mutex
	records    []*record // post order, which is also ts order
	lastTS     int64     // microseconds of the last ts handed out
	calls      map[string]int
	failNext   map[string][]string
	views      []*viewRecord        // modals and App Home views, in the order they were opened
	triggers   map[string]trigger   // trigger_id → whom it was issued to
	responders map[string]responder // response_url id → where its messages go
	responses  []Message            // what the app posted to response_url values
	seenURL    string               // the stand-in's URL as the last Web API call reached it
	seenByAPI  bool                 // whether seenURL came from a Web API call rather than the page
}

// New returns a Server with the defaults filled in.
func New(opts Options) *Server {
	if opts.BotUserID == "" {
		opts.BotUserID = "U0SWITCHBOARD"
	}
	if opts.TeamID == "" {
		opts.TeamID = "T0LOCAL"
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RetryAfter == "" {
		opts.RetryAfter = "1"
	}
	// Copied so that a caller changing its map later cannot race the server.
	groups := map[string][]string{AgentsGroupID: {AgentAlexID, AgentSamID}}
	if opts.UserGroups != nil {
		groups = make(map[string][]string, len(opts.UserGroups))
		for id, members := range opts.UserGroups {
			groups[id] = slices.Clone(members)
		}
	}
	opts.UserGroups = groups
	opts.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
	return &Server{
		opts:       opts,
		calls:      make(map[string]int),
		failNext:   make(map[string][]string),
		triggers:   make(map[string]trigger),
		responders: make(map[string]responder),
	}
}

// Handler serves the Web API under /api/, response_url values under
// /response/, the page at /, its data at /threads.json and the page's
// actions (/reply, /click, /submit, ...). Mount it under any prefix with
// http.StripPrefix.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("POST /response/{id...}", s.serveResponseURL)
	mux.HandleFunc("GET /{$}", servePage)
	mux.HandleFunc("GET /threads.json", s.serveThreads)
	mux.HandleFunc("POST /reply", s.serveReply)
	for path, action := range pageActions {
		mux.HandleFunc("POST /"+path, s.servePageAction(action))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// StripPrefix leaves an empty path for a request to the bare mount
		// point. ServeMux would redirect that to the host's root, and the
		// page's relative URLs need the trailing slash anyway.
		if r.URL.Path == "" {
			http.Redirect(w, r, mountPath(r)+"/", http.StatusFound)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// mountPath is the prefix the handler is mounted under, recovered from the
// request line because StripPrefix only rewrites r.URL.
func mountPath(r *http.Request) string {
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, r.URL.Path)
}

// pageURL is the absolute URL of the page as the caller reaches the stand-in.
func pageURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + mountPath(r) + "/"
}

// noteURL remembers where a request reached the stand-in, for response_url
// values when Options.BaseURL is empty. Web API calls win over the page
// because they show where the app, which will post to the URL, reaches it.
func (s *Server) noteURL(r *http.Request, fromAPI bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fromAPI || !s.seenByAPI {
		s.seenURL = strings.TrimSuffix(pageURL(r), "/")
		s.seenByAPI = s.seenByAPI || fromAPI
	}
}

// baseURLLocked is the absolute URL the stand-in's handler is reached at.
func (s *Server) baseURLLocked() (string, error) {
	if s.opts.BaseURL != "" {
		return s.opts.BaseURL, nil
	}
	if s.seenURL == "" {
		return "", badArgument("no URL to build a response_url from: set Options.BaseURL")
	}
	return s.seenURL, nil
}

// Messages returns every message in post order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.records))
	for i, rec := range s.records {
		out[i] = rec.clone()
	}
	return out
}

// Thread returns the root message with ts threadTS in channel and its replies
// in post order, ephemeral replies included and deleted ones left out, as
// Slack's conversations.replies would. ok is false if there is no such root
// or it was deleted.
func (s *Server) Thread(channel, threadTS string) (root Message, replies []Message, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.findLocked(channel, threadTS)
	if rec == nil || rec.ThreadTS != "" {
		return Message{}, nil, false
	}
	for _, r := range s.records {
		if r.Channel == channel && r.ThreadTS == threadTS && !r.Deleted {
			replies = append(replies, r.clone())
		}
	}
	return rec.clone(), replies, true
}

// ResponseURLMessages returns what the app posted to response_url values, in
// order: new messages as posted, and for replace_original or delete_original
// the original message as it became.
func (s *Server) ResponseURLMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.responses))
	for i, m := range s.responses {
		out[i] = m.clone()
	}
	return out
}

// FailNext makes the next call to the Web API method answer
// {"ok":false,"error":slackError}. Calls stack: failing twice fails the next
// two calls. "ratelimited" is answered with HTTP 429 and Retry-After, as Slack does.
func (s *Server) FailNext(method, slackError string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[method] = append(s.failNext[method], slackError)
}

// Calls reports how many times the Web API method was called, failed calls included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// findLocked returns the non-ephemeral, undeleted message ts in channel, or
// nil. Ephemeral messages are excluded because Slack cannot address them later.
func (s *Server) findLocked(channel, ts string) *record {
	for _, rec := range s.records {
		if rec.Channel == channel && rec.TS == ts && !rec.Ephemeral && !rec.Deleted {
			return rec
		}
	}
	return nil
}

// findVisibleLocked is findLocked plus the ephemeral messages user sees,
// which that user can still click on.
func (s *Server) findVisibleLocked(channel, ts, user string) *record {
	for _, rec := range s.records {
		if rec.Channel == channel && rec.TS == ts && !rec.Deleted && (!rec.Ephemeral || rec.EphemeralUser == user) {
			return rec
		}
	}
	return nil
}

// threadRootLocked resolves a thread_ts to the ts of the thread's root. Like
// Slack, naming a reply threads the new message under that reply's root.
func (s *Server) threadRootLocked(channel, threadTS string) (string, bool) {
	rec := s.findLocked(channel, threadTS)
	if rec == nil {
		return "", false
	}
	if rec.ThreadTS != "" {
		return rec.ThreadTS, true
	}
	return rec.TS, true
}

// appendLocked stores m under a fresh ts and returns the stored record.
func (s *Server) appendLocked(m Message) *record {
	m.TS = s.nextTSLocked()
	rec := &record{Message: m}
	s.records = append(s.records, rec)
	return rec
}

// nextTSLocked hands out Slack-style "seconds.micros" timestamps from the
// clock, bumped so they stay unique and increasing even with a frozen or
// coarse clock: apps key threads on them.
func (s *Server) nextTSLocked() string {
	micros := s.opts.Now().UnixMicro()
	if micros <= s.lastTS {
		micros = s.lastTS + 1
	}
	s.lastTS = micros
	return fmt.Sprintf("%d.%06d", micros/1e6, micros%1e6)
}
