package outbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// answer is a provider handler's reply, and what it learnt about the request
// for the record.
type answer struct {
	status      int
	body        []byte
	contentType string      // default application/json
	header      http.Header // extra headers

	to, text, id string
	options      []string
	email        *Email
}

// handler answers one kind of provider request; body is the request body,
// which r.Body also holds again.
type handler func(s *Server, r *http.Request, body []byte) answer

// route is a provider API the server answers at a path shape.
type route struct {
	provider, op string
	methods      []string
	handle       handler
}

var (
	get     = []string{http.MethodGet}
	post    = []string{http.MethodPost}
	getPost = []string{http.MethodGet, http.MethodPost}
)

// graphVersion matches the version segment Graph API paths may start with.
var graphVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// match finds the provider API at path. Each provider's paths have their
// own shape, so one server can stand in for all of them under any prefix.
func match(path string) (route, bool) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch {
	case len(segs) == 2 && strings.HasPrefix(segs[0], "bot"):
		return route{Telegram, segs[1], getPost, serveTelegramMethod}, true
	case len(segs) >= 3 && segs[0] == "file" && strings.HasPrefix(segs[1], "bot"):
		return route{Telegram, "file", get, serveTelegramFile}, true
	case len(segs) == 4 && segs[0] == "2010-04-01" && segs[1] == "Accounts" && segs[3] == "Messages.json":
		return route{Twilio, "messages", post, serveTwilioMessage}, true
	case path == "/v2/email/outbound-emails":
		return route{SES, "SendEmail", post, serveSESSendEmail}, true
	case len(segs) == 2 && segs[0] == "media" && segs[1] != "":
		return route{Meta, "media", get, serveMetaMedia}, true
	}
	// Graph paths work with the version in the base URL or in the path.
	if graphVersion.MatchString(segs[0]) {
		segs = segs[1:]
	}
	switch {
	case len(segs) == 2 && segs[0] != "" && segs[1] == "messages":
		return route{Meta, "messages", post, serveMetaMessages}, true
	case len(segs) == 1 && segs[0] != "":
		return route{Meta, "media-url", get, serveMetaMediaURL}, true
	}
	return route{}, false
}

// ServeHTTP serves the provider APIs, the page at /dev/outbox and emails at
// /dev/outbox/{n}.eml. Mount it under any prefix with http.StripPrefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == pagePath || strings.HasPrefix(r.URL.Path, pagePath+"/") {
		s.servePage(w, r)
		return
	}
	rt, ok := match(r.URL.Path)
	if !ok {
		writeAnswer(w, jsonAnswer(http.StatusNotFound, map[string]string{"error": "outbox: no provider API has a path like " + r.URL.Path}))
		return
	}
	if !slices.Contains(rt.methods, r.Method) {
		w.Header().Set("Allow", strings.Join(rt.methods, ", "))
		writeAnswer(w, jsonAnswer(http.StatusMethodNotAllowed, map[string]string{"error": "outbox: " + r.Method + " is not allowed here"}))
		return
	}
	s.serveProvider(w, r, rt)
}

func (s *Server) serveProvider(w http.ResponseWriter, r *http.Request, rt route) {
	body, err := readBody(w, r)
	if err != nil {
		status := http.StatusBadRequest
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, err.Error(), status)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	a := rt.handle(s, r, body)
	if s.opts.Fail != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		if status, failBody, ok := s.opts.Fail(rt.provider, r); ok {
			a = failure(rt.provider, status, failBody, a)
		}
	}
	s.record(Request{
		Provider:    rt.provider,
		Op:          rt.op,
		Method:      r.Method,
		Path:        r.URL.Path,
		Query:       r.URL.RawQuery,
		Auth:        r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"),
		Body:        body,
		Time:        s.opts.Now(),
		Status:      a.status,
		Response:    a.body,
		To:          a.to,
		Text:        a.text,
		ID:          a.id,
		Options:     a.options,
		Email:       a.email,
	})
	writeAnswer(w, a)
}

// failure replaces a's reply with the one Options.Fail chose, keeping what a
// learnt about the message: the page shows what failed to go out.
func failure(provider string, status int, body string, a answer) answer {
	out := answer{status: status, body: []byte(body), contentType: "text/plain; charset=utf-8", to: a.to, text: a.text,
		options: a.options, email: a.email}
	if !json.Valid(out.body) {
		return out
	}
	out.contentType = "application/json"
	var awsError struct {
		Type string `json:"__type"`
	}
	if provider == SES && json.Unmarshal(out.body, &awsError) == nil && awsError.Type != "" {
		out.header = http.Header{"X-Amzn-Errortype": {awsError.Type}}
	}
	return out
}

func jsonAnswer(status int, v any) answer {
	body, err := json.Marshal(v)
	if err != nil {
		return answer{status: http.StatusInternalServerError, body: []byte(`{"error":"outbox: encoding the answer failed"}`)}
	}
	return answer{status: status, body: body}
}

func writeAnswer(w http.ResponseWriter, a answer) {
	for name, values := range a.header {
		w.Header()[name] = values
	}
	contentType := a.contentType
	if contentType == "" {
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// baseURL is the absolute URL the server is reached at, mount prefix
// included, for URLs the server hands out.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + mountPath(r)
}

// mountPath is the prefix the server is mounted under, recovered from the
// request line because StripPrefix only rewrites r.URL.
func mountPath(r *http.Request) string {
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.EscapedPath(), r.URL.EscapedPath())
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
