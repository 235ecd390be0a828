package triage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// EvalCase is one labelled customer message of the evaluation set
// (testdata/eval.jsonl), with what a good triage says about it.
type EvalCase struct {
	ID        string          `json:"id"`
	Text      string          `json:"text"`
	Channel   inbox.Channel   `json:"channel"`
	Category  string          `json:"category"`
	Priority  inbox.Priority  `json:"priority"`
	Sentiment inbox.Sentiment `json:"sentiment"`
	Language  string          `json:"language"`
	// Tags mark kinds of cases, such as "injection" for messages that try
	// to give the model instructions.
	Tags []string `json:"tags"`
}

// Input is the case as a one-message conversation.
func (c EvalCase) Input() Input {
	return Input{
		Conversation: inbox.Conversation{ID: c.ID, Channel: c.Channel, Status: inbox.StatusOpen},
		Messages: []inbox.Message{{
			ConversationID: c.ID,
			Direction:      inbox.DirectionIn,
			Author:         inbox.AuthorCustomer,
			Kind:           inbox.KindPublic,
			Text:           c.Text,
		}},
	}
}

// LoadEval reads an evaluation set: one JSON object per line, blank lines
// ignored.
func LoadEval(path string) ([]EvalCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load eval: %w", err)
	}
	defer f.Close()
	var cases []EvalCase
	scanner := bufio.NewScanner(f)
	scanner.Buffer(nil, 1<<20)
	for line := 1; scanner.Scan(); line++ {
		if len(bytes.TrimSpace(scanner.Bytes())) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(scanner.Bytes()))
		dec.DisallowUnknownFields()
		var c EvalCase
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("load eval %s:%d: %w", path, line, err)
		}
		if c.ID == "" || c.Text == "" || c.Category == "" || !c.Priority.Valid() || !c.Sentiment.Valid() || c.Language == "" {
			return nil, fmt.Errorf("load eval %s:%d: a case needs id, text, category, language and a valid priority and sentiment", path, line)
		}
		cases = append(cases, c)
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("load eval %s: %w", path, err)
	}
	return cases, nil
}

// Triager is what Score measures: Rules and Model both are.
type Triager interface {
	Triage(ctx context.Context, in Input) (inbox.Triage, error)
}

// Tally counts correct answers out of a total.
type Tally struct{ Correct, Total int }

func (t *Tally) add(ok bool) {
	t.Total++
	if ok {
		t.Correct++
	}
}

// Rate is the share of correct answers, 0 when there were none.
func (t Tally) Rate() float64 {
	if t.Total == 0 {
		return 0
	}
	return float64(t.Correct) / float64(t.Total)
}

func (t Tally) String() string {
	return fmt.Sprintf("%d/%d (%.1f%%)", t.Correct, t.Total, 100*t.Rate())
}

// Miss is a case where a triager got something wrong.
type Miss struct {
	Case EvalCase
	Got  inbox.Triage
	// Wrong lists what was wrong, as "category refund → other".
	Wrong []string
	// Err is set when the triager failed instead.
	Err error
}

// EvalReport is how a triager did on an evaluation set.
type EvalReport struct {
	Category, Priority, Sentiment, Language Tally
	// Injection is the category accuracy on cases tagged "injection".
	Injection Tally
	// Predicted, Expected and Hits count, per category, how often it was
	// answered, how often it was right, and how often both at once.
	Predicted, Expected, Hits map[string]int
	Misses                    []Miss
}

// Score runs t on every case and tallies its answers. A case t fails on
// counts as wrong in every respect.
func Score(ctx context.Context, t Triager, cases []EvalCase) EvalReport {
	r := EvalReport{Predicted: map[string]int{}, Expected: map[string]int{}, Hits: map[string]int{}}
	for _, c := range cases {
		got, err := t.Triage(ctx, c.Input())
		checks := []struct {
			tally     *Tally
			name      string
			want, got string
			same      bool
		}{
			{&r.Category, "category", c.Category, got.Category, got.Category == c.Category},
			{&r.Priority, "priority", string(c.Priority), string(got.Priority), got.Priority == c.Priority},
			{&r.Sentiment, "sentiment", string(c.Sentiment), string(got.Sentiment), got.Sentiment == c.Sentiment},
			// "pt-BR" answers "pt": the set labels languages only.
			{&r.Language, "language", c.Language, got.Language, strings.EqualFold(primaryLanguage(got.Language), primaryLanguage(c.Language))},
		}
		var wrong []string
		for _, check := range checks {
			ok := err == nil && check.same
			check.tally.add(ok)
			if !ok && err == nil {
				wrong = append(wrong, fmt.Sprintf("%s %s → %s", check.name, check.want, check.got))
			}
		}
		category := err == nil && checks[0].same
		if slices.Contains(c.Tags, "injection") {
			r.Injection.add(category)
		}
		r.Expected[c.Category]++
		if err == nil {
			r.Predicted[got.Category]++
		}
		if category {
			r.Hits[c.Category]++
		}
		if err != nil || len(wrong) > 0 {
			r.Misses = append(r.Misses, Miss{Case: c, Got: got, Wrong: wrong, Err: err})
		}
	}
	return r
}

// Fprint writes the report; verbose adds every miss.
func (r EvalReport) Fprint(w io.Writer, verbose bool) {
	fmt.Fprintf(w, "category   %s\npriority   %s\nsentiment  %s\nlanguage   %s\ninjection  %s category\n",
		r.Category, r.Priority, r.Sentiment, r.Language, r.Injection)
	fmt.Fprintf(w, "\n%-18s %9s %9s %9s\n", "category", "precision", "recall", "cases")
	var names []string
	for name := range r.Expected {
		names = append(names, name)
	}
	for name := range r.Predicted {
		if r.Expected[name] == 0 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(w, "%-18s %9s %9s %9d\n", name,
			percent(r.Hits[name], r.Predicted[name]), percent(r.Hits[name], r.Expected[name]), r.Expected[name])
	}
	if !verbose {
		return
	}
	fmt.Fprintf(w, "\n%d misses (want → got):\n", len(r.Misses))
	for _, m := range r.Misses {
		problem := strings.Join(m.Wrong, ", ")
		if m.Err != nil {
			problem = "error: " + m.Err.Error()
		}
		fmt.Fprintf(w, "%s: %s\n    %q\n", m.Case.ID, problem, truncateRunes(collapseSpace(m.Case.Text), 160))
	}
}

func percent(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}
