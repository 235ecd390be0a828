package email

import (
	"html"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// linkStyle makes a score's link look like a button with inline CSS only:
// mail clients drop style sheets and block images.
const linkStyle = "display:inline-block;min-width:220px;padding:10px 18px;border:1px solid #2350c8;border-radius:6px;" +
	"background-color:#ffffff;color:#2350c8;font-family:Arial,Helvetica,sans-serif;font-size:16px;font-weight:bold;" +
	"line-height:20px;text-decoration:none"

// surveyHTML is the HTML part of a rating request: the question, the hint
// and one link per score, whose text is its accessible name. It is
// written by hand with html.EscapeString rather than html/template, whose
// reflection keeps the linker from dropping unused methods and doubled
// the dispatcher's binary. Attributes sit on lines of their own so no line
// nears SMTP's limit; a URL that is not http(s) is left out.
func surveyHTML(question, hint string, links []surveyLink) string {
	var b strings.Builder
	b.WriteString("<p>" + html.EscapeString(question) + "</p>\n")
	if hint != "" {
		b.WriteString("<p>" + html.EscapeString(hint) + "</p>\n")
	}
	for _, l := range links {
		name := html.EscapeString(l.Name)
		if u, err := url.Parse(l.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			b.WriteString("<p style=\"margin:0 0 10px 0\">" + name + "</p>\n")
			continue
		}
		b.WriteString("<p style=\"margin:0 0 10px 0\"><a href=\"" + html.EscapeString(l.URL) + "\"\n style=\"" + linkStyle + "\"\n>" + name + "</a></p>\n")
	}
	return b.String()
}

type surveyLink struct {
	Name string
	URL  string
}

// surveyBodies are the text and HTML parts of a rating request: the
// question, the link hint and one link per score to the rating page,
// highest score first, as most rating mails list them.
func surveyBodies(question string, s *inbox.Survey) (text, html string) {
	options := s.BestFirst()
	var t strings.Builder
	t.WriteString(question + "\n\n")
	if s.LinkHint != "" {
		t.WriteString(s.LinkHint + "\n")
	}
	links := make([]surveyLink, 0, len(options))
	for _, o := range options {
		link := surveyLink{Name: optionName(o), URL: o.URL}
		links = append(links, link)
		t.WriteString(link.Name + ": " + link.URL + "\n")
	}
	return t.String(), htmlHead + surveyHTML(question, s.LinkHint, links) + htmlTail
}

// optionName is how a score reads in a link: "5 - Excellent".
func optionName(o inbox.SurveyOption) string {
	name := strconv.Itoa(o.Score)
	if label := oneLine(o.Label, maxNameRunes); label != "" {
		name += " - " + label
	}
	return name
}
