package app

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/route"
	"github.com/switchboard-inbox/switchboard/shared/triage"
)

// triager adapts a triage implementation to the router's interface.
type triager struct {
	t interface {
		Triage(ctx context.Context, in triage.Input) (inbox.Triage, error)
	}
}

func (a triager) Triage(ctx context.Context, conv inbox.Conversation, history []inbox.Message, p inbox.Profile) (inbox.Triage, error) {
	return a.t.Triage(ctx, triage.Input{Conversation: conv, Messages: history, Profile: p})
}

// triagers builds the rules (always) and the model (when configured) from
// the configuration, with the routing rules.
func (a *App) triagers() (quick, model route.Triager, rules route.Rules, err error) {
	r := triage.DefaultRules()
	if a.Config.TriageRulesFile != "" {
		if r, err = triage.LoadRules(a.Config.TriageRulesFile); err != nil {
			return nil, nil, nil, err
		}
	}
	if rules, err = route.ParseRules(a.Config.TriageRoutes); err != nil {
		return nil, nil, nil, err
	}
	quick = triager{r}
	if !a.Config.TriageModel() {
		return quick, nil, rules, nil
	}
	opts := triage.ModelOptions{
		BaseURL: a.Config.OpenAIBaseURL, APIKey: a.Config.OpenAIAPIKey, Model: a.Config.OpenAIModel,
		Categories: r.Categories(), Tone: a.Config.TriageTone, TeamName: a.Config.TeamName,
		Timeout: a.Config.OpenAITimeout, HTTPClient: &http.Client{}, Log: a.Log,
	}
	if a.Config.KnowledgeDir != "" {
		if opts.Knowledge, err = triage.LoadKnowledge(os.DirFS(a.Config.KnowledgeDir)); err != nil {
			return nil, nil, nil, fmt.Errorf("load knowledge base %s: %w", a.Config.KnowledgeDir, err)
		}
	}
	return quick, triager{triage.NewModel(opts, r)}, rules, nil
}
