package csat

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// fakeRater answers as the service would for one interaction.
type fakeRater struct {
	rating   inbox.Rating
	err      error
	recorded []inbox.SurveyAnswer
}

func (f *fakeRater) Lookup(context.Context, string) (inbox.Rating, error) { return f.rating, f.err }

func (f *fakeRater) RateByLink(_ context.Context, _ string, score int, comment string) (inbox.Rating, error) {
	f.recorded = append(f.recorded, inbox.SurveyAnswer{Score: score, Comment: comment})
	f.rating.Score, f.rating.Comment, f.rating.Status = score, comment, inbox.RatingRated
	return f.rating, nil
}

func serve(p *Page, method, target string, form url.Values) *http.Response {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	return rec.Result()
}

func read(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func newPage(r *fakeRater) *Page {
	return &Page{Ratings: r, Location: time.UTC, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestPageShowsTheFormAndRecordsOnlyOnPost(t *testing.T) {
	rater := &fakeRater{rating: inbox.Rating{Status: inbox.RatingRequested, Language: "es-MX", Until: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}}
	p := newPage(rater)

	res := serve(p, http.MethodGet, "/csat/tok?score=4", nil)
	page := read(res)
	if res.StatusCode != http.StatusOK || len(rater.recorded) != 0 {
		t.Fatalf("GET = %d, recorded %v", res.StatusCode, rater.recorded)
	}
	for _, want := range []string{
		`<html lang="es">`, `name="viewport"`, `<legend>`, `value="4" checked`, `<label for="score1">`, `<label class="comment" for="comment">`,
		"Muy mala", "Valora nuestra ayuda", "2026-11-30", `action="/csat/tok"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, banned := range []string{"http://", "https://", "<script", "<link", "<img"} {
		if strings.Contains(page, banned) {
			t.Errorf("page has %q: no external assets, no scripts", banned)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", res.Header)
	}

	res = serve(p, http.MethodPost, "/csat/tok", url.Values{"score": {"5"}, "comment": {"  Genial\r\ngracias  "}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/csat/tok?saved=1" {
		t.Fatalf("POST = %d %s; want a redirect to the saved page", res.StatusCode, res.Header.Get("Location"))
	}
	if len(rater.recorded) != 1 || rater.recorded[0] != (inbox.SurveyAnswer{Score: 5, Comment: "Genial\ngracias"}) {
		t.Fatalf("recorded %+v", rater.recorded)
	}
	page = read(serve(p, http.MethodGet, "/csat/tok?saved=1", nil))
	if !strings.Contains(page, "Hemos guardado tu valoración") || !strings.Contains(page, `value="5" checked`) {
		t.Errorf("saved page:\n%s", page)
	}
}

func TestPageRefusesBadInput(t *testing.T) {
	tests := []struct {
		name   string
		method string
		target string
		form   url.Values
		err    error
		status int
		want   string
	}{
		{"forged", http.MethodGet, "/csat/x", nil, ErrForged, http.StatusBadRequest, "not valid"},
		{"forged post", http.MethodPost, "/csat/x", url.Values{"score": {"5"}}, ErrForged, http.StatusBadRequest, "not valid"},
		{"expired", http.MethodGet, "/csat/x", nil, ErrExpired, http.StatusGone, "expired"},
		{"expired post", http.MethodPost, "/csat/x", url.Values{"score": {"5"}}, ErrExpired, http.StatusGone, "expired"},
		{"unknown", http.MethodGet, "/csat/x", nil, inbox.ErrNotFound, http.StatusNotFound, "could not find"},
		{"no token", http.MethodGet, "/csat/", nil, nil, http.StatusNotFound, "could not find"},
		{"nested path", http.MethodGet, "/csat/a/b", nil, nil, http.StatusNotFound, "could not find"},
		{"no score", http.MethodPost, "/csat/x", url.Values{"comment": {"hi"}}, nil, http.StatusBadRequest, "choose a score"},
		{"score 0", http.MethodPost, "/csat/x", url.Values{"score": {"0"}}, nil, http.StatusBadRequest, "choose a score"},
		{"long comment", http.MethodPost, "/csat/x", url.Values{"score": {"3"}, "comment": {strings.Repeat("é", 1001)}}, nil, http.StatusBadRequest, "1,000"},
		{"huge body", http.MethodPost, "/csat/x", url.Values{"score": {"3"}, "comment": {strings.Repeat("a", 20000)}}, nil, http.StatusBadRequest, "1,000"},
		{"put", http.MethodPut, "/csat/x", nil, nil, http.StatusMethodNotAllowed, "not allowed"},
	}
	for _, tt := range tests {
		rater := &fakeRater{rating: inbox.Rating{Status: inbox.RatingRequested}, err: tt.err}
		res := serve(newPage(rater), tt.method, tt.target, tt.form)
		page := read(res)
		if res.StatusCode != tt.status || !strings.Contains(page, tt.want) || len(rater.recorded) != 0 {
			t.Errorf("%s: %d %q, recorded %v; want %d with %q and nothing recorded", tt.name, res.StatusCode, page, rater.recorded, tt.status, tt.want)
		}
	}
}
