package report

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// sessionCookie holds a link token (NewLink) for the dashboard's browser.
const sessionCookie = "sb_reports"

// maxSessionForm bounds POST /dashboard/session: one token field.
const maxSessionForm = 4 << 10

// linkSkew is how much longer than LinkTTL a link may claim to last, for
// clocks a little apart; a token lasting longer is a session, which must
// not be redeemed as a link to stretch itself another SessionTTL.
const linkSkew = time.Minute

// securityHeaders go on every response. The dashboard loads its script
// and style from its own origin only, and nothing may frame it.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "no-referrer",
	"Cache-Control":           "no-store",
}

// Handler serves the reports over HTTP: /reports/summary (JSON),
// /reports/export.csv and /dashboard, behind the bearer token
// REPORTS_TOKEN or a session cookie that a signed link or the token sets.
type Handler struct {
	Service *Service
	// Token is REPORTS_TOKEN; empty turns bearer access off.
	Token string
	// LinkSecret signs dashboard links and session cookies.
	LinkSecret []byte
	Log        *slog.Logger
	Now        func() time.Time
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// Routes returns the reports' HTTP API.
func (h *Handler) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /reports/summary", h.authorizedOnly(h.summary))
	mux.HandleFunc("GET /reports/export.csv", h.authorizedOnly(h.export))
	mux.HandleFunc("GET /dashboard", h.dashboardEntry)
	mux.HandleFunc("POST /dashboard/session", h.session)
	mux.HandleFunc("GET /dashboard/assets/{name}", h.authorizedOnly(h.asset))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name, value := range securityHeaders {
			w.Header().Set(name, value)
		}
		mux.ServeHTTP(w, r)
	})
}

// DashboardURL is a link to the dashboard that lets user in for LinkTTL,
// which /switchboard dashboard hands to the asking Slack user.
func (h *Handler) DashboardURL(base, user string) string {
	token := NewLink(h.LinkSecret, user, h.now().Add(LinkTTL))
	return strings.TrimSuffix(base, "/") + "/dashboard?t=" + url.QueryEscape(token)
}

// authorized reports whether the request carries REPORTS_TOKEN as a
// bearer token or a valid session cookie.
func (h *Handler) authorized(r *http.Request) bool {
	if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") && h.isToken(strings.TrimSpace(token)) {
		return true
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	_, err = ParseLink(h.LinkSecret, c.Value, h.now())
	return err == nil
}

// isToken compares in constant time; hashing first hides the length too.
func (h *Handler) isToken(token string) bool {
	if h.Token == "" || token == "" {
		return false
	}
	want, got := sha256.Sum256([]byte(h.Token)), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

func (h *Handler) authorizedOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.authorized(r) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeJSON(w, http.StatusUnauthorized, errorBody{"missing or wrong credentials: send Authorization: Bearer <REPORTS_TOKEN>"})
			return
		}
		next(w, r)
	}
}

type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (h *Handler) summary(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query(), h.Service.location(), h.Service.now())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	sum, err := h.Service.Summary(r.Context(), q)
	if err != nil {
		h.fail(w, r, q, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query(), h.Service.location(), h.Service.now())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	out := &attachment{w: w, filename: "switchboard-" + q.From + "-" + q.To + ".csv"}
	if err := h.Service.Export(r.Context(), q, out); err != nil {
		if !out.started {
			h.fail(w, r, q, err)
			return
		}
		// The status is sent; the cut-off body is all the client learns.
		h.log().ErrorContext(r.Context(), "report export failed midway", "from", q.From, "to", q.To, "err", err)
	}
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, q Query, err error) {
	h.log().ErrorContext(r.Context(), "report failed", "path", r.URL.Path, "from", q.From, "to", q.To, "err", err)
	writeJSON(w, http.StatusInternalServerError, errorBody{"the report could not be computed; try again in a minute"})
}

// attachment sends the CSV headers with the first byte, so a failure
// before any row can still answer 500.
type attachment struct {
	w        http.ResponseWriter
	filename string
	started  bool
}

func (a *attachment) Write(p []byte) (int, error) {
	if !a.started {
		a.started = true
		a.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		a.w.Header().Set("Content-Disposition", `attachment; filename="`+a.filename+`"`)
		a.w.WriteHeader(http.StatusOK)
	}
	return a.w.Write(p)
}

// dashboardEntry serves GET /dashboard: it redeems a signed link (?t=),
// shows the dashboard to a signed-in browser, and asks anyone else for
// the token.
func (h *Handler) dashboardEntry(w http.ResponseWriter, r *http.Request) {
	if token := r.URL.Query().Get("t"); token != "" {
		h.redeem(w, r, token)
		return
	}
	if !h.authorized(r) {
		h.signIn(w, http.StatusUnauthorized, "")
		return
	}
	h.dashboard(w, r)
}

// redeem turns a link into a session cookie and sends the browser back
// to /dashboard, so the token leaves the address bar and the history.
func (h *Handler) redeem(w http.ResponseWriter, r *http.Request, token string) {
	now := h.now()
	user, expires, err := parseLink(h.LinkSecret, token, now)
	if err == nil && expires.Sub(now) > LinkTTL+linkSkew {
		err = ErrForgedLink
	}
	switch {
	case errors.Is(err, ErrExpiredLink):
		h.signIn(w, http.StatusUnauthorized, "This dashboard link has expired. Ask for a new one with /switchboard dashboard in Slack.")
		return
	case err != nil:
		h.signIn(w, http.StatusUnauthorized, "This dashboard link is not valid. Ask for a new one with /switchboard dashboard in Slack.")
		return
	}
	h.startSession(w, user, now)
	rest := r.URL.Query()
	rest.Del("t")
	target := "/dashboard"
	if len(rest) > 0 {
		target += "?" + rest.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// session serves POST /dashboard/session: the reports token, typed into
// the sign-in form, becomes a session cookie.
func (h *Handler) session(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSessionForm)
	if err := r.ParseForm(); err != nil {
		h.signIn(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	if !h.isToken(r.PostForm.Get("token")) {
		h.signIn(w, http.StatusUnauthorized, "That is not the reports token.")
		return
	}
	if len(h.LinkSecret) == 0 {
		h.log().ErrorContext(r.Context(), "dashboard session refused: no link secret configured")
		h.signIn(w, http.StatusInternalServerError, "Sessions are not configured on this server; use the bearer token.")
		return
	}
	h.startSession(w, "token", h.now())
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

func (h *Handler) startSession(w http.ResponseWriter, user string, now time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    NewLink(h.LinkSecret, user, now.Add(SessionTTL)),
		Path:     "/",
		MaxAge:   int(SessionTTL / time.Second),
		HttpOnly: true,
		Secure:   true,
		SameSite: http.SameSiteStrictMode,
	})
}

// signIn is the page for a browser without a session: why, when there is
// a reason, and a form for the reports token. It is built by hand (no
// html/template in Lambda code) and carries no style, which the CSP would
// refuse inline.
func (h *Handler) signIn(w http.ResponseWriter, status int, problem string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "Bearer")
	}
	w.WriteHeader(status)
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>Switchboard reports: sign in</title>
</head>
<body>
<main>
<h1>Switchboard reports</h1>
`)
	if problem != "" {
		b.WriteString(`<p role="alert">` + html.EscapeString(problem) + "</p>\n")
	}
	b.WriteString(`<p>Open the dashboard from Slack with <code>/switchboard dashboard</code>, or sign in with the reports token.</p>
<form method="post" action="/dashboard/session">
<label>Reports token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`)
	_, _ = io.WriteString(w, b.String())
}
