package email

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// surveyTemplate is the HTML part of a rating request. Each score is a
// link styled as a button with inline CSS only: mail clients drop style
// sheets and block images. The link text is its accessible name, and
// html/template escapes the text and keeps only safe URLs. Attributes sit
// on lines of their own so no line nears SMTP's limit.
var surveyTemplate = template.Must(template.New("survey").Parse(`<p>{{.Question}}</p>
{{with .Hint}}<p>{{.}}</p>
{{end}}{{range .Links}}<p style="margin:0 0 10px 0"><a href="{{.URL}}"
 style="display:inline-block;min-width:220px;padding:10px 18px;border:1px solid #2350c8;border-radius:6px;background-color:#ffffff;color:#2350c8;font-family:Arial,Helvetica,sans-serif;font-size:16px;font-weight:bold;line-height:20px;text-decoration:none"
>{{.Name}}</a></p>
{{end}}`))

type surveyLink struct {
	Name string
	URL  string
}

// surveyBodies are the text and HTML parts of a rating request: the
// question, the link hint and one link per score to the rating page,
// highest score first, as most rating mails list them.
func surveyBodies(question string, s *inbox.Survey) (text, html string, err error) {
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
	var h strings.Builder
	h.WriteString(htmlHead)
	err = surveyTemplate.Execute(&h, struct {
		Question, Hint string
		Links          []surveyLink
	}{question, s.LinkHint, links})
	if err != nil {
		return "", "", err
	}
	h.WriteString(htmlTail)
	return t.String(), h.String(), nil
}

// optionName is how a score reads in a link: "5 - Excellent".
func optionName(o inbox.SurveyOption) string {
	name := strconv.Itoa(o.Score)
	if label := oneLine(o.Label, maxNameRunes); label != "" {
		name += " - " + label
	}
	return name
}
