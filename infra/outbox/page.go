package outbox

import (
	_ "embed"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pagePath is where the page is, in the server's own paths.
const pagePath = "/dev/outbox"

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// pageCSP allows no script at all and nothing from elsewhere: the page shows
// what agents wrote and what customers sent, and must not run any of it.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

// maxShown bounds how much of a text or an error the page shows, and
// maxChoices and maxChoiceShown how many of a message's options and how
// much of each.
const (
	maxShown       = 20_000
	maxChoices     = 20
	maxChoiceShown = 200
)

type pageData struct {
	Requests []pageRequest
}

type pageRequest struct {
	Request
	Failed   bool
	Message  bool     // whether the request sent a message (else it fetched something)
	Shown    string   // the text, bounded
	Choices  []string // the options offered, bounded
	Answer   string   // the error answered, bounded
	EmailURL string   // the raw MIME, for emails
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, pagePath), "/")
	if rest != "" {
		s.serveEmail(w, r, rest)
		return
	}
	base := mountPath(r) + pagePath
	var data pageData
	for _, req := range s.all() {
		p := pageRequest{
			Request: req,
			Failed:  req.Status >= 400,
			Message: req.To != "" || req.Text != "" || req.Email != nil,
			Shown:   truncate(req.Text, maxShown),
		}
		for _, o := range req.Options[:min(len(req.Options), maxChoices)] {
			p.Choices = append(p.Choices, truncate(o, maxChoiceShown))
		}
		if p.Failed {
			p.Answer = truncate(string(req.Response), maxShown)
		}
		if req.Email != nil && req.Email.Raw != nil {
			p.EmailURL = base + "/" + strconv.Itoa(req.N) + ".eml"
		}
		data.Requests = append(data.Requests, p)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pageCSP)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	if err := pageTemplate.Execute(w, data); err != nil {
		http.Error(w, "outbox: rendering the page: "+err.Error(), http.StatusInternalServerError)
	}
}

// serveEmail serves "{n}.eml": the raw MIME of the email recorded as n.
func (s *Server) serveEmail(w http.ResponseWriter, r *http.Request, name string) {
	n, err := strconv.Atoi(strings.TrimSuffix(name, ".eml"))
	if err != nil || !strings.HasSuffix(name, ".eml") {
		http.NotFound(w, r)
		return
	}
	req, ok := s.find(n)
	if !ok || req.Email == nil || req.Email.Raw == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", `inline; filename="`+strconv.Itoa(n)+`.eml"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(req.Email.Raw)
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
