// Package outbox is a local stand-in for every provider API Switchboard sends
// through: Meta's Graph API (WhatsApp, Messenger, Instagram), the Telegram
// Bot API, Twilio's Messages API and Amazon SES v2. One Server answers all of
// them, telling them apart by the shape of the path, with the success
// response each provider documents, and records every request for tests and
// for a page at /dev/outbox where a person sees what customers would have
// received. It also serves the media downloads inbound webhooks point to
// (Meta media URLs, Telegram files), so inbound media can be tested.
//
// It checks what a provider would refuse at once (a missing token or
// recipient, an empty text, a list or keyboard out of bounds) and answers
// with that provider's error; it
// checks no credential's value and no AWS signature. Options.Fail makes any
// request fail as the provider would.
package outbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Providers, as Request.Provider and the provider argument of Fail, Sent and
// WaitFor name them.
const (
	Meta     = "meta"
	Telegram = "telegram"
	Twilio   = "twilio"
	SES      = "ses"
)

// maxBody bounds a request body. SES takes raw emails of up to 40 MB, which
// arrive base64-encoded inside JSON.
const maxBody = 64 << 20

// maxRecords bounds how many requests the server keeps, oldest dropped
// first, so a long `make dev` session does not grow without end.
const maxRecords = 1000

// Options configures a Server.
type Options struct {
	// Fail, when set, is asked about every provider request after the
	// server has worked out its answer. When it returns ok, the server
	// answers status and body instead (as application/json when the body is
	// JSON; for SES with the x-amzn-errortype header taken from the body's
	// "__type", as AWS sends it) and records that answer. r's body can be
	// read again.
	Fail func(provider string, r *http.Request) (status int, body string, ok bool)
	// Now dates records, messages and emails; default time.Now.
	Now func() time.Time
}

// Request is a recorded request and the server's answer.
type Request struct {
	N           int    // its number, from 1, in the order received; /dev/outbox/{N}.eml serves an email's MIME
	Provider    string // Meta, Telegram, Twilio or SES
	Op          string // Meta "messages", "media-url" or "media"; a Telegram method or "file"; Twilio "messages"; SES "SendEmail"
	Method      string
	Path        string // as the server saw it, after any StripPrefix
	Query       string // the raw query
	Auth        string // the Authorization header
	ContentType string
	Body        []byte
	Time        time.Time

	Status   int    // the status answered
	Response []byte // the body answered

	// What the request sent, for messages: the recipient as the request
	// named it, the text (or a bracketed placeholder for other kinds, as
	// "[Image] caption"), and the provider's id for the new message, empty
	// when the request failed or was not a message.
	To   string
	Text string
	ID   string
	// Options are the answers a message offered beside its text, as the
	// customer sees them: a WhatsApp list's rows, Messenger quick replies
	// (cut to the 20 characters Meta shows), a Telegram inline keyboard's
	// buttons.
	Options []string
	// Email is the email of a SendEmail request.
	Email *Email
}

// Email is what a SendEmail request would have sent.
type Email struct {
	From, To, Cc, ReplyTo, Subject string
	InReplyTo, References          string
	Text                           string // the text/plain part (or the HTML's text), with \n line ends and no trailing blank lines
	HTML                           string
	// Raw is the MIME message: Content.Raw.Data as sent, or for
	// Content.Simple the message SES would build from it. SES sends either
	// with the Message-ID <ID@email.amazonses.com>, ID being Request.ID.
	Raw []byte
}

// Server is the provider stand-in. Create it with New; it is safe for
// concurrent use.
type Server struct {
	opts Options

	mu         sync.Mutex
	records    []Request
	next       int           // N of the next record
	changed    chan struct{} // closed and replaced on every change, for WaitFor
	telegramID int           // last Telegram message_id handed out
	files      int           // last Telegram file path number handed out
}

// New returns a Server with the defaults filled in.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{opts: opts, next: 1, changed: make(chan struct{})}
}

// Sent returns every request made to provider, oldest first, failed ones
// and media downloads included.
func (s *Server) Sent(provider string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sentLocked(provider)
}

func (s *Server) sentLocked(provider string) []Request {
	var out []Request
	for _, r := range s.records {
		if r.Provider == provider {
			out = append(out, r.clone())
		}
	}
	return out
}

// Reset forgets every recorded request. Numbers keep counting, so a link
// to an email on an open page never shows another one.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = nil
	s.notifyLocked()
}

// WaitFor waits until at least n requests were made to provider and
// returns them as Sent does, or returns those there are with an error when
// ctx ends first.
func (s *Server) WaitFor(ctx context.Context, provider string, n int) ([]Request, error) {
	for {
		s.mu.Lock()
		got, changed := s.sentLocked(provider), s.changed
		s.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-ctx.Done():
			return got, fmt.Errorf("outbox: waiting for %d %s requests, got %d: %w", n, provider, len(got), ctx.Err())
		case <-changed:
		}
	}
}

// find returns the record numbered n.
func (s *Server) find(n int) (Request, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.records, func(r Request) bool { return r.N == n })
	if i < 0 {
		return Request{}, false
	}
	return s.records[i].clone(), true
}

// all returns every record, newest first.
func (s *Server) all() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.records))
	for i, r := range s.records {
		out[len(out)-1-i] = r.clone()
	}
	return out
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.N = s.next
	s.next++
	s.records = append(s.records, r)
	if len(s.records) > maxRecords {
		s.records = slices.Delete(s.records, 0, len(s.records)-maxRecords)
	}
	s.notifyLocked()
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (r Request) clone() Request {
	r.Body = bytes.Clone(r.Body)
	r.Response = bytes.Clone(r.Response)
	r.Options = slices.Clone(r.Options)
	if r.Email != nil {
		e := *r.Email
		e.Raw = bytes.Clone(e.Raw)
		r.Email = &e
	}
	return r
}

// readBody reads a request body, bounded by maxBody.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("outbox: reading %s %s: %w", r.Method, r.URL.Path, err)
	}
	return body, nil
}
