package csat

import (
	"context"
	_ "embed"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// pageCSS is the page's only style, inline: the page loads nothing else.
//
//go:embed assets/page.css
var pageCSS string

// maxFormBytes bounds a posted rating: a score and a 1,000-character
// comment, escaped, fit several times over.
const maxFormBytes = 16 << 10

// Rater is what the page needs of the service.
type Rater interface {
	Lookup(ctx context.Context, token string) (inbox.Rating, error)
	RateByLink(ctx context.Context, token string, score int, comment string) (inbox.Rating, error)
}

// Page serves /csat/{token}: GET shows the rating form with the score
// from the link chosen, and only POST records, so mail scanners and link
// previews that follow links rate nothing. After a POST the browser is
// sent back to GET (?saved=1), so reloading does not post again.
type Page struct {
	Ratings  Rater
	Location *time.Location
	Log      *slog.Logger
}

type pageOption struct {
	Score   int
	Label   string
	Checked bool
}

type pageData struct {
	Lang    string
	T       texts
	Form    bool
	Saved   bool
	Problem string
	Action  string
	Options []pageOption
	Comment string
	Until   string
}

// ServeHTTP answers one request for the rating page.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	token, ok := strings.CutPrefix(r.URL.Path, "/csat/")
	if !ok || token == "" || strings.Contains(token, "/") {
		p.render(w, http.StatusNotFound, pageData{Problem: textsFor("").NotFound}, DefaultLanguage)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		p.show(w, r, token)
	case http.MethodPost:
		p.rate(w, r, token)
	default:
		h.Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (p *Page) show(w http.ResponseWriter, r *http.Request, token string) {
	rating, err := p.Ratings.Lookup(r.Context(), token)
	if err != nil {
		p.fail(w, r, rating, err)
		return
	}
	score := rating.Score
	if s, err := strconv.Atoi(r.URL.Query().Get("score")); err == nil && inbox.ValidScore(s) {
		score = s
	}
	data := p.form(rating, token, score, rating.Comment)
	data.Saved = r.URL.Query().Get("saved") == "1" && rating.Status == inbox.RatingRated
	p.render(w, http.StatusOK, data, rating.Language)
}

func (p *Page) rate(w http.ResponseWriter, r *http.Request, token string) {
	rating, err := p.Ratings.Lookup(r.Context(), token)
	if err != nil {
		p.fail(w, r, rating, err)
		return
	}
	t := textsFor(rating.Language)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		data := p.form(rating, token, rating.Score, rating.Comment)
		data.Problem = t.CommentLimit
		p.render(w, http.StatusBadRequest, data, rating.Language)
		return
	}
	score, err := strconv.Atoi(r.PostForm.Get("score"))
	comment := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("comment"), "\r\n", "\n"))
	problem := ""
	switch {
	case err != nil || !inbox.ValidScore(score):
		problem, score = t.ChooseScore, rating.Score
	case !utf8.ValidString(comment) || utf8.RuneCountInString(comment) > inbox.MaxCommentRunes:
		problem = t.CommentLimit
	}
	if problem != "" {
		data := p.form(rating, token, score, comment)
		data.Problem = problem
		p.render(w, http.StatusBadRequest, data, rating.Language)
		return
	}
	if _, err := p.Ratings.RateByLink(r.Context(), token, score, comment); err != nil {
		p.fail(w, r, rating, err)
		return
	}
	http.Redirect(w, r, "/csat/"+url.PathEscape(token)+"?saved=1", http.StatusSeeOther)
}

// form is the page with the rating form, score chosen (0: none).
func (p *Page) form(rating inbox.Rating, token string, score int, comment string) pageData {
	t := textsFor(rating.Language)
	data := pageData{Form: true, Action: "/csat/" + url.PathEscape(token), Comment: comment}
	for s := inbox.MinScore; s <= inbox.MaxScore; s++ {
		data.Options = append(data.Options, pageOption{Score: s, Label: t.Labels[s-1], Checked: s == score})
	}
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	data.Until = rating.Until.In(loc).Format(time.DateOnly)
	return data
}

// fail shows why a link cannot be used: 400 for a forged or mangled one,
// 410 for an expired one, 404 for an interaction that does not exist.
func (p *Page) fail(w http.ResponseWriter, r *http.Request, rating inbox.Rating, err error) {
	t := textsFor(rating.Language)
	switch {
	case errors.Is(err, ErrForged):
		p.render(w, http.StatusBadRequest, pageData{Problem: t.Forged}, rating.Language)
	case errors.Is(err, ErrExpired):
		p.render(w, http.StatusGone, pageData{Problem: t.Expired}, rating.Language)
	case errors.Is(err, inbox.ErrNotFound):
		p.render(w, http.StatusNotFound, pageData{Problem: t.NotFound}, rating.Language)
	default:
		p.Log.ErrorContext(r.Context(), "rating page failed", "conversation_id", rating.ConversationID, "method", r.Method, "err", err)
		http.Error(w, "Something went wrong on our side. Please try again in a minute.", http.StatusInternalServerError)
	}
}

func (p *Page) render(w http.ResponseWriter, status int, data pageData, lang string) {
	data.Lang = language(lang)
	data.T = textsFor(lang)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, pageDocument(data))
}

// pageDocument writes the page by hand, every value escaped, rather than
// with html/template, whose reflection keeps the linker from dropping
// unused methods and doubled the function's binary.
func pageDocument(d pageData) string {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html lang="` + e(d.Lang) + `">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>` + e(d.T.PageTitle) + `</title>
<style>
` + pageCSS + `</style>
</head>
<body>
<main>
<div class="card">
  <h1>` + e(d.T.PageTitle) + `</h1>
`)
	if d.Saved {
		b.WriteString(`  <p class="note ok" role="status">` + e(d.T.Saved) + "</p>\n")
	}
	if d.Problem != "" {
		b.WriteString(`  <p class="note bad" role="alert">` + e(d.Problem) + "</p>\n")
	}
	if d.Form {
		b.WriteString(`  <form method="post" action="` + e(d.Action) + `">
    <fieldset>
      <legend>` + e(d.T.ScoreLegend) + `</legend>
      <div class="scores">
`)
		for _, o := range d.Options {
			n := strconv.Itoa(o.Score)
			checked := ""
			if o.Checked {
				checked = " checked"
			}
			b.WriteString(`        <input type="radio" id="score` + n + `" name="score" value="` + n + `"` + checked + ` required>
        <label for="score` + n + `"><b>` + n + `</b>` + e(o.Label) + "</label>\n")
		}
		b.WriteString(`      </div>
    </fieldset>
    <label class="comment" for="comment">` + e(d.T.CommentPrompt) + `</label>
    <textarea id="comment" name="comment" maxlength="1000">` + e(d.Comment) + `</textarea>
    <button type="submit">` + e(d.T.Send) + `</button>
  </form>
  <p class="small">` + e(d.T.ChangeUntil) + " " + e(d.Until) + `.</p>
`)
	}
	b.WriteString("</div>\n</main>\n</body>\n</html>\n")
	return b.String()
}
