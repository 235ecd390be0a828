// Command eval scores triage on the labelled evaluation set
// ('go run ./infra/eval [-data path] [-v]'): the rules always, and the
// model too when OPENAI_BASE_URL or OPENAI_API_KEY is set (OPENAI_MODEL,
// default gpt-4o-mini). It is a report, not a gate: it exits 0 whatever
// the scores; shared/triage's tests hold the rules to their floors.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/triage"
)

func main() {
	data := flag.String("data", "shared/triage/testdata/eval.jsonl", "evaluation set, one JSON case per line")
	verbose := flag.Bool("v", false, "list every miss")
	flag.Parse()

	cases, err := triage.LoadEval(*data)
	if err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	rules := triage.DefaultRules()
	fmt.Printf("rules, %d cases\n", len(cases))
	triage.Score(ctx, rules, cases).Fprint(os.Stdout, *verbose)

	baseURL, apiKey := os.Getenv("OPENAI_BASE_URL"), os.Getenv("OPENAI_API_KEY")
	if baseURL == "" && apiKey == "" {
		fmt.Println("\nmodel: skipped (set OPENAI_BASE_URL or OPENAI_API_KEY)")
		return
	}
	name := cmp.Or(os.Getenv("OPENAI_MODEL"), "gpt-4o-mini")
	model := triage.NewModel(triage.ModelOptions{
		BaseURL: baseURL,
		APIKey:  apiKey,
		Model:   name,
		Log:     logger(*verbose),
	}, rules)
	counted := &sourceCounter{triager: model}
	report := triage.Score(ctx, counted, cases)
	fmt.Printf("\nmodel %s, %d cases (%d answered by the rules fallback; %d prompt and %d completion tokens)\n",
		name, len(cases), counted.fallbacks, counted.promptTokens, counted.completionTokens)
	report.Fprint(os.Stdout, *verbose)
}

// logger shows why the model fell back only with -v: the report counts
// fallbacks, and a warning per case would bury it.
func logger(verbose bool) *slog.Logger {
	if verbose {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}

// sourceCounter counts what the model cost and how often the rules
// answered for it: a model's score means little if the fallback earned it.
type sourceCounter struct {
	triager                        triage.Triager
	fallbacks                      int
	promptTokens, completionTokens int
}

func (c *sourceCounter) Triage(ctx context.Context, in triage.Input) (inbox.Triage, error) {
	t, err := c.triager.Triage(ctx, in)
	if err == nil && t.Source == inbox.TriageByRules {
		c.fallbacks++
	}
	c.promptTokens += t.PromptTokens
	c.completionTokens += t.CompletionTokens
	return t, err
}
