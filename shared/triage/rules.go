package triage

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

//go:embed rules.json
var defaultRulesJSON []byte

// The format of a rules file; the package doc describes it for operators.
type rulesFile struct {
	Categories      []categoryFile      `json:"categories"`
	OtherReply      map[string]string   `json:"other_reply"`
	Greeting        map[string]greeting `json:"greeting"`
	Priority        priorityFile        `json:"priority"`
	Sentiment       sentimentFile       `json:"sentiment"`
	IgnoreSentences []string            `json:"ignore_sentences"`
}

type categoryFile struct {
	Name string `json:"name"`
	cueFile
	Reply map[string]string `json:"reply"`
}

// cueFile is what signals a category or a priority.
type cueFile struct {
	Keywords []string `json:"keywords"`
	Patterns []string `json:"patterns"`
}

type greeting struct {
	// Named greets a customer whose first name is known: "Hi {name},".
	Named string `json:"named"`
	// Anonymous greets everyone else: "Hi there,".
	Anonymous string `json:"anonymous"`
}

type priorityFile struct {
	Urgent         cueFile  `json:"urgent"`
	High           cueFile  `json:"high"`
	Low            cueFile  `json:"low"`
	HighIfNegative []string `json:"high_if_negative"`
	LowCategories  []string `json:"low_categories"`
	LowIfPraise    []string `json:"low_if_praise"`
	VagueWords     int      `json:"vague_under_words"`
}

type sentimentFile struct {
	Negative []string `json:"negative"`
	Positive []string `json:"positive"`
	Negators []string `json:"negators"`
}

// Keyword groups other than categories, which use their index (0 and up).
const (
	cueUrgent = -1 - iota
	cueHigh
	cueLow
	cueNegative
	cuePositive
	cueNegator
)

// fallbackLanguage is the language every reply template must have, used
// when the customer's has none.
const fallbackLanguage = "en"

type category struct {
	name     string
	patterns []*regexp.Regexp
	reply    map[string]string
}

// Rules triages by keywords and patterns from a rules file. It needs no
// network, answers in under a millisecond and is the fallback whenever
// the model cannot answer. A Rules is read-only after loading and safe for
// concurrent use.
type Rules struct {
	categories     []category
	otherReply     map[string]string
	greetings      map[string]greeting
	phrases        *phraseSet
	urgentPatterns []*regexp.Regexp
	highPatterns   []*regexp.Regexp
	lowPatterns    []*regexp.Regexp
	ignore         []*regexp.Regexp
	highIfNegative map[string]bool
	lowCategories  map[string]bool
	lowIfPraise    map[string]bool
	vagueWords     int
}

var defaultRules = sync.OnceValue(func() *Rules {
	r, err := parseRules(defaultRulesJSON)
	if err != nil {
		// The embedded file is tested; reaching this is a build mistake.
		panic("triage: embedded rules.json: " + err.Error())
	}
	return r
})

// DefaultRules returns the rules of the embedded rules.json: billing, bug,
// account, shipping, refund and feature_request in English, Spanish,
// French, German, Portuguese, Italian and Dutch.
func DefaultRules() *Rules { return defaultRules() }

// LoadRules reads an operator's rules file, in the format of the embedded
// one, and says what is wrong with it if anything is.
func LoadRules(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load triage rules: %w", err)
	}
	r, err := parseRules(data)
	if err != nil {
		return nil, fmt.Errorf("load triage rules %s: %w", path, err)
	}
	return r, nil
}

func parseRules(data []byte) (*Rules, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f rulesFile
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if len(f.Categories) == 0 {
		return nil, errors.New("no categories")
	}
	r := &Rules{
		otherReply:     f.OtherReply,
		greetings:      f.Greeting,
		phrases:        newPhraseSet(),
		highIfNegative: make(map[string]bool),
		lowCategories:  make(map[string]bool),
		lowIfPraise:    make(map[string]bool),
		vagueWords:     f.Priority.VagueWords,
	}
	known := make(map[string]bool)
	for i, c := range f.Categories {
		switch {
		case strings.TrimSpace(c.Name) == "":
			return nil, fmt.Errorf("category %d: empty name", i+1)
		case strings.TrimSpace(c.Name) != c.Name:
			return nil, fmt.Errorf("category %q: name has surrounding spaces", c.Name)
		case c.Name == inbox.CategoryOther:
			return nil, fmt.Errorf("category %q: always exists and takes no rules; remove it", c.Name)
		case known[c.Name]:
			return nil, fmt.Errorf("category %q: listed twice", c.Name)
		case c.Reply[fallbackLanguage] == "":
			return nil, fmt.Errorf("category %q: reply needs an %q template, the fallback language", c.Name, fallbackLanguage)
		case len(c.Keywords) == 0 && len(c.Patterns) == 0:
			return nil, fmt.Errorf("category %q: no keywords or patterns, so it could never match", c.Name)
		}
		known[c.Name] = true
		patterns, err := r.addCues(c.cueFile, i)
		if err != nil {
			return nil, fmt.Errorf("category %q: %w", c.Name, err)
		}
		r.categories = append(r.categories, category{name: c.Name, patterns: patterns, reply: c.Reply})
	}
	if f.OtherReply[fallbackLanguage] == "" {
		return nil, fmt.Errorf("other_reply needs an %q template, the fallback language", fallbackLanguage)
	}
	if g := f.Greeting[fallbackLanguage]; g.Named == "" || g.Anonymous == "" {
		return nil, fmt.Errorf("greeting needs %q with both named and anonymous, the fallback language", fallbackLanguage)
	}
	for lang, g := range f.Greeting {
		if !strings.Contains(g.Named, "{name}") {
			return nil, fmt.Errorf("greeting %q: named greeting has no {name}", lang)
		}
	}
	for _, level := range []struct {
		field    string
		cues     cueFile
		group    int
		patterns *[]*regexp.Regexp
	}{
		{"priority.urgent", f.Priority.Urgent, cueUrgent, &r.urgentPatterns},
		{"priority.high", f.Priority.High, cueHigh, &r.highPatterns},
		{"priority.low", f.Priority.Low, cueLow, &r.lowPatterns},
	} {
		patterns, err := r.addCues(level.cues, level.group)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", level.field, err)
		}
		*level.patterns = patterns
	}
	for _, lexicon := range []struct {
		field    string
		keywords []string
		group    int
	}{
		{"sentiment.negative", f.Sentiment.Negative, cueNegative},
		{"sentiment.positive", f.Sentiment.Positive, cuePositive},
		{"sentiment.negators", f.Sentiment.Negators, cueNegator},
	} {
		if _, err := r.addCues(cueFile{Keywords: lexicon.keywords}, lexicon.group); err != nil {
			return nil, fmt.Errorf("%s: %w", lexicon.field, err)
		}
	}
	ignore, err := compilePatterns(f.IgnoreSentences)
	if err != nil {
		return nil, fmt.Errorf("ignore_sentences: %w", err)
	}
	r.ignore = ignore
	for _, list := range []struct {
		field string
		names []string
		set   map[string]bool
	}{
		{"priority.high_if_negative", f.Priority.HighIfNegative, r.highIfNegative},
		{"priority.low_categories", f.Priority.LowCategories, r.lowCategories},
		{"priority.low_if_praise", f.Priority.LowIfPraise, r.lowIfPraise},
	} {
		for _, name := range list.names {
			if !known[name] && name != inbox.CategoryOther {
				return nil, fmt.Errorf("%s: unknown category %q", list.field, name)
			}
			list.set[name] = true
		}
	}
	if r.vagueWords < 0 {
		return nil, errors.New("priority.vague_under_words: negative")
	}
	return r, nil
}

// addCues indexes the keywords of a group and compiles its patterns.
func (r *Rules) addCues(c cueFile, group int) ([]*regexp.Regexp, error) {
	for _, k := range c.Keywords {
		if err := r.phrases.add(k, group); err != nil {
			return nil, err
		}
	}
	return compilePatterns(c.Patterns)
}

func compilePatterns(patterns []string) ([]*regexp.Regexp, error) {
	var compiled []*regexp.Regexp
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", p, err)
		}
		compiled = append(compiled, re)
	}
	return compiled, nil
}

// Categories lists the configured categories in file order; "other" is
// implicit and not among them.
func (r *Rules) Categories() []string {
	names := make([]string, len(r.categories))
	for i, c := range r.categories {
		names[i] = c.name
	}
	return names
}

// Triage classifies the conversation from its customer messages alone,
// the latest weighing most. It never fails; the error is there so Rules
// and Model are interchangeable.
func (r *Rules) Triage(_ context.Context, in Input) (inbox.Triage, error) {
	texts := customerTexts(in.Messages)
	s := r.analyze(texts)
	t := inbox.Triage{
		Category:  inbox.CategoryOther,
		Priority:  inbox.PriorityNormal,
		Sentiment: inbox.SentimentNeutral,
		Source:    inbox.TriageByRules,
	}
	best := 0.0
	for i, score := range s.categories {
		// Strictly greater, so a tie goes to the category listed first.
		if score > best {
			best, t.Category = score, r.categories[i].name
		}
	}
	switch {
	case s.negative > s.positive:
		t.Sentiment = inbox.SentimentNegative
	case s.positive > s.negative:
		t.Sentiment = inbox.SentimentPositive
	}
	stronglyNegative := s.negative-s.positive >= strongNegative
	praise := t.Sentiment == inbox.SentimentPositive && !s.question
	vague := t.Category == inbox.CategoryOther && s.words < r.vagueWords
	switch {
	case s.urgent:
		t.Priority = inbox.PriorityUrgent
	case s.high || (stronglyNegative && r.highIfNegative[t.Category]):
		t.Priority = inbox.PriorityHigh
	case s.low || r.lowCategories[t.Category] || (praise && r.lowIfPraise[t.Category]) || vague:
		t.Priority = inbox.PriorityLow
	}
	if len(texts) > 0 {
		t.Language = detectLanguage(strings.Join(texts, "\n"))
		t.Summary = summarize(s.latest)
	}
	t.SuggestedReply = r.reply(t.Category, t.Language, firstName(in))
	return t, nil
}

// customerTexts returns the text of the customer's messages, oldest first.
func customerTexts(messages []inbox.Message) []string {
	var texts []string
	for _, m := range messages {
		if m.Author == inbox.AuthorCustomer && strings.TrimSpace(m.Text) != "" {
			texts = append(texts, m.Text)
		}
	}
	return texts
}

// reply fills the category's template in the customer's language, or in
// English when the rules have none in that language.
func (r *Rules) reply(categoryName, language, name string) string {
	templates := r.otherReply
	for _, c := range r.categories {
		if c.name == categoryName {
			templates = c.reply
		}
	}
	lang := primaryLanguage(language)
	body, ok := templates[lang]
	if !ok {
		lang, body = fallbackLanguage, templates[fallbackLanguage]
	}
	g, ok := r.greetings[lang]
	if !ok {
		g = r.greetings[fallbackLanguage]
	}
	opening := g.Anonymous
	if name != "" {
		opening = strings.ReplaceAll(g.Named, "{name}", name)
	}
	return opening + "\n\n" + body
}

// primaryLanguage is the language subtag of a BCP 47 tag: "pt" of "pt-BR".
func primaryLanguage(tag string) string {
	lang, _, _ := strings.Cut(tag, "-")
	return strings.ToLower(lang)
}

// firstName is the customer's first name when one is known. Channels that
// know no name put an address there instead, which makes a poor greeting.
func firstName(in Input) string {
	name := in.Conversation.CustomerName
	if name == "" {
		name = in.Profile.Customer.Name
	}
	fields := strings.Fields(name)
	if len(fields) == 0 || strings.ContainsAny(fields[0], "@+") || strings.ContainsFunc(fields[0], unicode.IsDigit) {
		return ""
	}
	return fields[0]
}

// summaryRunes keeps a summary to one line of a Slack card, and a first
// sentence shorter than summarySentenceWords ("Hi team!") says nothing by
// itself, so the next one joins it.
const (
	summaryRunes         = 140
	summarySentenceWords = 4
)

// summarize is the first sentence of a message, on one line and at most
// 140 runes.
func summarize(sentences []string) string {
	var summary []string
	n := 0
	for _, sentence := range sentences {
		summary = append(summary, sentence)
		n += len(strings.Fields(sentence))
		if n >= summarySentenceWords {
			break
		}
	}
	return truncateRunes(collapseSpace(strings.Join(summary, " ")), summaryRunes)
}
