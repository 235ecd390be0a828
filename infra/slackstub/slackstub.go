// Package slackstub is a local stand-in for Slack, used by `make dev` and by
// end-to-end tests. It serves a fake Web API that records what the app posts,
// a page where a person sees the support threads and replies as an agent, and
// it delivers those replies to the app as signed Events API requests.
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

// Agents known to users.info and offered on the page.
const (
	AgentAlexID = "U0AGENT1"
	AgentSamID  = "U0AGENT2"
)

type agent struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	RealName    string `json:"real_name"`
	DisplayName string `json:"display_name"`
}

var agents = []agent{
	{ID: AgentAlexID, Name: "alex", RealName: "Alex Agent", DisplayName: "Alex"},
	{ID: AgentSamID, Name: "sam", RealName: "Sam Support", DisplayName: "Sam"},
}

func findAgent(id string) (agent, bool) {
	i := slices.IndexFunc(agents, func(a agent) bool { return a.ID == id })
	if i < 0 {
		return agent{}, false
	}
	return agents[i], true
}

// Options configures a Server. Zero values get the documented defaults.
type Options struct {
	SigningSecret string           // signs events sent to EventsURL
	EventsURL     string           // where events are POSTed, e.g. http://localhost:8080/slack/events
	BotUserID     string           // default "U0SWITCHBOARD"; returned by auth.test
	TeamID        string           // default "T0LOCAL"
	HTTPClient    *http.Client     // default http.DefaultClient; sends events
	Now           func() time.Time // default time.Now; dates message ts values and event signatures
}

// Message is a message as the stand-in recorded it.
//
// Bot posts carry User=BotUserID and BotID, as Slack reports messages posted
// with a bot token. ThreadTS is set only on replies; a thread's root keeps it
// empty. Text is stored as Slack stores it, so agent replies have &, < and >
// escaped.
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
	Ephemeral     bool
	EphemeralUser string
	Updated       int // how many times chat.update changed the message
}

func (m Message) clone() Message {
	m.Blocks = bytes.Clone(m.Blocks)
	m.Reactions = slices.Clone(m.Reactions)
	return m
}

// record is a stored message plus what the page needs to know about it.
type record struct {
	Message
	deliveryErr string // why the app did not accept the event for an agent reply
}

// Server is the Slack stand-in. Create it with New; it is safe for concurrent use.
type Server struct {
	opts Options

	mu       sync.Mutex
	records  []*record // post order, which is also ts order
	lastTS   int64     // microseconds of the last ts handed out
	calls    map[string]int
	failNext map[string][]string
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
	return &Server{
		opts:     opts,
		calls:    make(map[string]int),
		failNext: make(map[string][]string),
	}
}

// Handler serves the Web API under /api/, the page at /, its data at
// /threads.json and the page's replies at /reply. Mount it under any prefix
// with http.StripPrefix.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("GET /{$}", servePage)
	mux.HandleFunc("GET /threads.json", s.serveThreads)
	mux.HandleFunc("POST /reply", s.serveReply)
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
// in post order, ephemeral replies included. ok is false if there is no such root.
func (s *Server) Thread(channel, threadTS string) (root Message, replies []Message, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.findLocked(channel, threadTS)
	if rec == nil || rec.ThreadTS != "" {
		return Message{}, nil, false
	}
	for _, r := range s.records {
		if r.Channel == channel && r.ThreadTS == threadTS {
			replies = append(replies, r.clone())
		}
	}
	return rec.clone(), replies, true
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

// findLocked returns the non-ephemeral message ts in channel, or nil.
// Ephemeral messages are excluded because Slack cannot address them later.
func (s *Server) findLocked(channel, ts string) *record {
	for _, rec := range s.records {
		if rec.Channel == channel && rec.TS == ts && !rec.Ephemeral {
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
