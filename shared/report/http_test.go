package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const testToken = "reports-token-for-tests"

func testHandler(store *fakeStore, log *bytes.Buffer) *Handler {
	return &Handler{
		Service:    testService(store),
		Token:      testToken,
		LinkSecret: testSecret,
		Log:        slog.New(slog.NewTextHandler(log, nil)),
		Now:        func() time.Time { return testNow },
	}
}

type request struct {
	method, target string
	auth           string // the Authorization header
	cookie         string
	form           url.Values
}

func serve(h http.Handler, req request) *httptest.ResponseRecorder {
	var body *strings.Reader
	if req.form != nil {
		body = strings.NewReader(req.form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(req.method, req.target, body)
	if req.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if req.auth != "" {
		r.Header.Set("Authorization", req.auth)
	}
	if req.cookie != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: req.cookie})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestAccess(t *testing.T) {
	link := NewLink(testSecret, "U0MANAGER", testNow.Add(LinkTTL))
	session := NewLink(testSecret, "U0MANAGER", testNow.Add(SessionTTL))
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{"summary without credentials", request{method: "GET", target: "/reports/summary"}, 401, "application/json", `"error":"missing or wrong credentials`},
		{"summary, wrong bearer", request{method: "GET", target: "/reports/summary", auth: "Bearer guess"}, 401, "application/json", `"error"`},
		{"summary, bearer", request{method: "GET", target: "/reports/summary", auth: "Bearer " + testToken}, 200, "application/json", `"tz":"Europe/Paris"`},
		{"summary, lower-case scheme", request{method: "GET", target: "/reports/summary", auth: "bearer " + testToken}, 200, "application/json", `"from"`},
		{"summary, token without scheme", request{method: "GET", target: "/reports/summary", auth: testToken}, 401, "application/json", ""},
		{"summary, basic scheme", request{method: "GET", target: "/reports/summary", auth: "Basic " + testToken}, 401, "application/json", ""},
		{"summary, empty bearer", request{method: "GET", target: "/reports/summary", auth: "Bearer "}, 401, "application/json", ""},
		{"summary, session cookie", request{method: "GET", target: "/reports/summary", cookie: session}, 200, "application/json", `"from"`},
		{"summary, forged cookie", request{method: "GET", target: "/reports/summary", cookie: NewLink([]byte("other"), "U0MANAGER", testNow.Add(SessionTTL))}, 401, "application/json", ""},
		{"summary, expired cookie", request{method: "GET", target: "/reports/summary", cookie: NewLink(testSecret, "U0MANAGER", testNow)}, 401, "application/json", ""},
		{"summary, bad query", request{method: "GET", target: "/reports/summary?group_by=moon", auth: "Bearer " + testToken}, 400, "application/json", `{"error":"group_by \"moon\": want channel, agent or category"}`},
		{"summary, other zone", request{method: "GET", target: "/reports/summary?tz=UTC", auth: "Bearer " + testToken}, 400, "application/json", `kept by day in Europe/Paris`},
		{"export without credentials", request{method: "GET", target: "/reports/export.csv"}, 401, "application/json", ""},
		{"export, bearer", request{method: "GET", target: "/reports/export.csv?from=2026-11-01&to=2026-11-21", auth: "Bearer " + testToken}, 200, "text/csv", "day,opened,"},
		{"export, bad query", request{method: "GET", target: "/reports/export.csv?from=2026-11-21&to=2026-11-01", auth: "Bearer " + testToken}, 400, "application/json", "is after to"},
		{"dashboard without credentials", request{method: "GET", target: "/dashboard"}, 401, "text/html", `<form method="post" action="/dashboard/session">`},
		{"dashboard, bearer", request{method: "GET", target: "/dashboard", auth: "Bearer " + testToken}, 200, "text/html", "/dashboard/assets/dashboard.js"},
		{"dashboard, session cookie", request{method: "GET", target: "/dashboard", cookie: session}, 200, "text/html", "/dashboard/assets/dashboard.js"},
		{"dashboard, link", request{method: "GET", target: "/dashboard?t=" + link}, 303, "", ""},
		{"dashboard, expired link", request{method: "GET", target: "/dashboard?t=" + NewLink(testSecret, "U0MANAGER", testNow.Add(-time.Second))}, 401, "text/html", "This dashboard link has expired"},
		{"dashboard, forged link", request{method: "GET", target: "/dashboard?t=" + NewLink([]byte("guessed"), "U0MANAGER", testNow.Add(LinkTTL))}, 401, "text/html", "This dashboard link is not valid"},
		{"dashboard, mangled link", request{method: "GET", target: "/dashboard?t=%3Cscript%3E"}, 401, "text/html", "This dashboard link is not valid"},
		// A session token lasts 12 hours: redeemed as a link it would renew itself for ever.
		{"dashboard, session token as a link", request{method: "GET", target: "/dashboard?t=" + session}, 401, "text/html", "not valid"},
		{"session, right token", request{method: "POST", target: "/dashboard/session", form: url.Values{"token": {testToken}}}, 303, "", ""},
		{"session, wrong token", request{method: "POST", target: "/dashboard/session", form: url.Values{"token": {"guess"}}}, 401, "text/html", "That is not the reports token."},
		{"session, no token", request{method: "POST", target: "/dashboard/session", form: url.Values{}}, 401, "text/html", ""},
		{"session by GET", request{method: "GET", target: "/dashboard/session"}, 405, "", ""},
		{"asset without credentials", request{method: "GET", target: "/dashboard/assets/dashboard.css"}, 401, "application/json", ""},
		{"asset, session cookie", request{method: "GET", target: "/dashboard/assets/dashboard.css", cookie: session}, 200, "text/css", ""},
		{"unknown path", request{method: "GET", target: "/reports/other", auth: "Bearer " + testToken}, 404, "", ""},
	}
	var log bytes.Buffer
	routes := testHandler(testStore(), &log).Routes()
	for _, tt := range tests {
		w := serve(routes, tt.req)
		if w.Code != tt.wantStatus {
			t.Errorf("%s: status %d; want %d (body %q)", tt.name, w.Code, tt.wantStatus, w.Body.String())
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
			t.Errorf("%s: Content-Type %q; want %s", tt.name, ct, tt.wantType)
		}
		if !strings.Contains(w.Body.String(), tt.wantBody) {
			t.Errorf("%s: body %q; want it to hold %q", tt.name, w.Body.String(), tt.wantBody)
		}
		if w.Code == 401 && w.Header().Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%s: WWW-Authenticate %q; want Bearer", tt.name, w.Header().Get("WWW-Authenticate"))
		}
		for name, value := range securityHeaders {
			if got := w.Header().Get(name); got != value && !(name == "Cache-Control" && strings.HasPrefix(tt.name, "asset")) {
				t.Errorf("%s: %s %q; want %q", tt.name, name, got, value)
			}
		}
	}
	if log.Len() != 0 {
		t.Errorf("access checks logged %q; want nothing", log.String())
	}
}

// A link from Slack becomes a cookie, the address loses the token, and the
// cookie opens the dashboard and its data.
func TestLinkToSession(t *testing.T) {
	var log bytes.Buffer
	h := testHandler(testStore(), &log)
	routes := h.Routes()
	link, err := url.Parse(h.DashboardURL("https://reports.example.com/", "U0MANAGER"))
	if err != nil {
		t.Fatal(err)
	}
	if link.Host != "reports.example.com" || link.Path != "/dashboard" {
		t.Fatalf("DashboardURL = %s; want https://reports.example.com/dashboard?t=…", link)
	}
	w := serve(routes, request{method: "GET", target: link.RequestURI() + "&group_by=agent"})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/dashboard?group_by=agent" {
		t.Fatalf("GET %s = %d to %q; want 303 to /dashboard?group_by=agent", link.RequestURI(), w.Code, w.Header().Get("Location"))
	}
	cookie := sessionFrom(t, w)
	if w := serve(routes, request{method: "GET", target: "/dashboard", cookie: cookie.Value}); w.Code != http.StatusOK {
		t.Errorf("GET /dashboard with the session = %d; want 200", w.Code)
	}
	// The link was good for 15 minutes; the session it became lasts 12 hours.
	h.Now = func() time.Time { return testNow.Add(SessionTTL - time.Second) }
	if w := serve(routes, request{method: "GET", target: "/reports/summary", cookie: cookie.Value}); w.Code != http.StatusOK {
		t.Errorf("GET /reports/summary with the session near its end = %d; want 200", w.Code)
	}
	if w := serve(routes, request{method: "GET", target: link.RequestURI()}); w.Code != http.StatusUnauthorized {
		t.Errorf("the link opened again after 12 hours = %d; want 401", w.Code)
	}
	h.Now = func() time.Time { return testNow.Add(SessionTTL) }
	if w := serve(routes, request{method: "GET", target: "/reports/summary", cookie: cookie.Value}); w.Code != http.StatusUnauthorized {
		t.Errorf("GET /reports/summary with the session expired = %d; want 401", w.Code)
	}
}

func TestTokenToSession(t *testing.T) {
	var log bytes.Buffer
	h := testHandler(testStore(), &log)
	w := serve(h.Routes(), request{method: "POST", target: "/dashboard/session", form: url.Values{"token": {testToken}}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/dashboard" {
		t.Fatalf("POST /dashboard/session = %d to %q; want 303 to /dashboard", w.Code, w.Header().Get("Location"))
	}
	cookie := sessionFrom(t, w)
	if user, err := ParseLink(testSecret, cookie.Value, testNow); user != "token" || err != nil {
		t.Errorf("session cookie is for %q, %v; want user \"token\"", user, err)
	}
	h.LinkSecret = nil
	if w := serve(h.Routes(), request{method: "POST", target: "/dashboard/session", form: url.Values{"token": {testToken}}}); w.Code != http.StatusInternalServerError || !strings.Contains(log.String(), "no link secret") {
		t.Errorf("POST /dashboard/session without a link secret = %d, log %q; want 500 and a log line", w.Code, log.String())
	}
}

func sessionFrom(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.MaxAge != int(SessionTTL/time.Second) {
				t.Errorf("session cookie %+v; want HttpOnly, Secure, SameSite=Strict, Path=/, Max-Age 12 h", c)
			}
			return c
		}
	}
	t.Fatalf("no %s cookie in %q", sessionCookie, w.Header().Values("Set-Cookie"))
	return nil
}

func TestHandlerFailures(t *testing.T) {
	var log bytes.Buffer
	store := testStore()
	store.err = errors.New("throttled")
	routes := testHandler(store, &log).Routes()
	for _, target := range []string{"/reports/summary", "/reports/export.csv"} {
		log.Reset()
		w := serve(routes, request{method: "GET", target: target, auth: "Bearer " + testToken})
		var body errorBody
		if w.Code != http.StatusInternalServerError || json.Unmarshal(w.Body.Bytes(), &body) != nil || strings.Contains(body.Error, "throttled") {
			t.Errorf("GET %s with a failing store = %d %q; want 500 with a JSON error that keeps the cause inside", target, w.Code, w.Body.String())
		}
		if lines := strings.Count(log.String(), "\n"); lines != 1 || !strings.Contains(log.String(), "throttled") {
			t.Errorf("GET %s with a failing store logged %q; want the cause once", target, log.String())
		}
	}
}

func TestExportHeaders(t *testing.T) {
	var log bytes.Buffer
	w := serve(testHandler(testStore(), &log).Routes(), request{method: "GET", target: "/reports/export.csv?from=2026-11-01&to=2026-11-21", auth: "Bearer " + testToken})
	if got := w.Header().Get("Content-Disposition"); got != `attachment; filename="switchboard-2026-11-01-2026-11-21.csv"` {
		t.Errorf("Content-Disposition %q", got)
	}
}

// Without REPORTS_TOKEN, bearer access is off: an empty token opens nothing.
func TestNoTokenConfigured(t *testing.T) {
	var log bytes.Buffer
	h := testHandler(testStore(), &log)
	h.Token = ""
	for _, auth := range []string{"Bearer ", "Bearer", "Bearer  "} {
		if w := serve(h.Routes(), request{method: "GET", target: "/reports/summary", auth: auth}); w.Code != http.StatusUnauthorized {
			t.Errorf("Authorization %q without a configured token = %d; want 401", auth, w.Code)
		}
	}
	if w := serve(h.Routes(), request{method: "POST", target: "/dashboard/session", form: url.Values{"token": {""}}}); w.Code != http.StatusUnauthorized {
		t.Errorf("an empty token posted without a configured token = %d; want 401", w.Code)
	}
}
