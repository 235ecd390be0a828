package triage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/sashabaranov/go-openai/jsonschema"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// ModelOptions configures a Model. Only Model is required; the zero value
// of every other field picks the default it documents.
type ModelOptions struct {
	// BaseURL is the OpenAI-compatible API (OPENAI_BASE_URL), such as
	// "http://localhost:11434/v1" for Ollama; empty means OpenAI's.
	BaseURL string
	// APIKey is optional: Ollama and vLLM need none.
	APIKey string
	// Model is the model name (OPENAI_MODEL).
	Model string
	// Categories the model may choose; "other" is always allowed too.
	// Empty means the fallback rules' categories.
	Categories []string
	// Tone of suggested replies; default "friendly, concise and professional".
	Tone string
	// TeamName signs suggested replies; default "Support".
	TeamName string
	// Timeout bounds each attempt; default 8s.
	Timeout time.Duration
	// Retries is how many more attempts follow a failed one: 0 means the
	// default of 1, a negative number means none.
	Retries int
	// MaxPromptTokens bounds the conversation history sent; default 3000.
	MaxPromptTokens int
	// HTTPClient sends the requests; nil means go-openai's default.
	HTTPClient *http.Client
	// Knowledge, when set, grounds suggested replies in help articles.
	Knowledge *Knowledge
	// Log gets one warning each time the rules stand in for the model;
	// nil means slog.Default().
	Log *slog.Logger
}

// Defaults of ModelOptions.
const (
	defaultTone            = "friendly, concise and professional"
	defaultTeamName        = "Support"
	defaultTimeout         = 8 * time.Second
	defaultRetries         = 1
	defaultMaxPromptTokens = 3000
	// temperature is low because triage is classification: the same
	// conversation should get the same category every time.
	temperature = 0.2
	// knowledgePassages is how many help-article passages a prompt gets:
	// enough to cover a question, few enough to keep the prompt small.
	knowledgePassages = 3
)

// Model triages with an OpenAI-compatible chat model using structured
// output, and falls back to Rules whenever the model cannot give a valid
// answer in time. It is safe for concurrent use.
type Model struct {
	client      *openai.Client
	model       string
	categories  []string
	schema      *jsonschema.Definition
	system      string
	temperature float32
	timeout     time.Duration
	retries     int
	maxTokens   int
	knowledge   *Knowledge
	fallback    *Rules
	log         *slog.Logger
}

// NewModel returns a Model that asks opts.Model and answers with fallback
// when it cannot; a nil fallback means DefaultRules.
func NewModel(opts ModelOptions, fallback *Rules) *Model {
	if fallback == nil {
		fallback = DefaultRules()
	}
	config := openai.DefaultConfig(opts.APIKey)
	if opts.BaseURL != "" {
		config.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	}
	if opts.HTTPClient != nil {
		config.HTTPClient = opts.HTTPClient
	}
	m := &Model{
		client:      openai.NewClientWithConfig(config),
		model:       opts.Model,
		temperature: temperature,
		timeout:     positiveOr(opts.Timeout, defaultTimeout),
		retries:     max(cmp.Or(opts.Retries, defaultRetries), 0),
		maxTokens:   positiveOr(opts.MaxPromptTokens, defaultMaxPromptTokens),
		knowledge:   opts.Knowledge,
		fallback:    fallback,
		log:         opts.Log,
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	categories := opts.Categories
	if len(categories) == 0 {
		categories = fallback.Categories()
	}
	for _, c := range categories {
		if c != inbox.CategoryOther && !slices.Contains(m.categories, c) {
			m.categories = append(m.categories, c)
		}
	}
	// Reasoning models (o-series, gpt-5) only take their fixed sampling
	// temperature, and go-openai refuses the request before sending it.
	// Its own validator knows which models those are; asking it beats
	// keeping a second list of model names here.
	probe := openai.ChatCompletionRequest{Model: m.model, Temperature: m.temperature}
	if openai.NewReasoningValidator().Validate(probe) != nil {
		m.temperature = 0
	}
	m.schema = responseSchema(m.categories)
	m.system = systemPrompt(m.categories, cmp.Or(opts.Tone, defaultTone), cmp.Or(opts.TeamName, defaultTeamName), m.knowledge != nil)
	return m
}

// positiveOr returns value if it is positive and def otherwise: a zero or
// negative timeout or token budget would make every request fail.
func positiveOr[T int | time.Duration](value, def T) T {
	if value > 0 {
		return value
	}
	return def
}

// errRefused marks a model that declined to answer; asking again would
// only be declined again.
var errRefused = errors.New("model refused")

// Triage asks the model, retrying once by default, and answers with the
// fallback rules when the model times out, fails or breaks the schema. It
// returns an error only when ctx is done.
func (m *Model) Triage(ctx context.Context, in Input) (inbox.Triage, error) {
	if err := ctx.Err(); err != nil {
		return inbox.Triage{}, fmt.Errorf("triage conversation %s: %w", in.Conversation.ID, err)
	}
	req := m.request(in)
	var usage openai.Usage
	var err error
	for attempt := 0; attempt <= m.retries; attempt++ {
		var t inbox.Triage
		t, err = m.ask(ctx, req, &usage)
		if err == nil {
			return t, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return inbox.Triage{}, fmt.Errorf("triage conversation %s: %w", in.Conversation.ID, ctxErr)
		}
		if !retryable(err) {
			break
		}
	}
	m.log.WarnContext(ctx, "triage model failed, rules used instead",
		"conversation_id", in.Conversation.ID, "model", m.model, "err", err)
	return m.fallback.Triage(ctx, in)
}

// ask makes one attempt. Usage adds up over attempts, because a rejected
// answer costs tokens too and the bill should show them.
func (m *Model) ask(ctx context.Context, req openai.ChatCompletionRequest, usage *openai.Usage) (inbox.Triage, error) {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	resp, err := m.client.CreateChatCompletion(ctx, req)
	if err != nil {
		return inbox.Triage{}, fmt.Errorf("ask %s: %w", m.model, err)
	}
	usage.PromptTokens += resp.Usage.PromptTokens
	usage.CompletionTokens += resp.Usage.CompletionTokens
	if len(resp.Choices) == 0 {
		return inbox.Triage{}, fmt.Errorf("ask %s: %w: no choices", m.model, errInvalidAnswer)
	}
	msg := resp.Choices[0].Message
	if msg.Refusal != "" {
		return inbox.Triage{}, fmt.Errorf("ask %s: %w", m.model, errRefused)
	}
	a, err := parseAnswer(msg.Content, m.categories)
	if err != nil {
		return inbox.Triage{}, fmt.Errorf("ask %s: %w", m.model, err)
	}
	return inbox.Triage{
		Category:         a.Category,
		Priority:         a.Priority,
		Sentiment:        a.Sentiment,
		Language:         a.Language,
		Summary:          a.Summary,
		SuggestedReply:   a.SuggestedReply,
		NeedsHumanReason: a.NeedsHumanReason,
		Source:           inbox.TriageByModel,
		Model:            m.model,
		PromptTokens:     usage.PromptTokens,
		CompletionTokens: usage.CompletionTokens,
	}, nil
}

// retryable reports whether another attempt may succeed: after a timeout,
// a transport error, rate limiting, a server error or an invalid answer,
// but not after a request the server rejected as such (401, 400).
func retryable(err error) bool {
	if errors.Is(err, errRefused) {
		return false
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return transientStatus(apiErr.HTTPStatusCode)
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return transientStatus(reqErr.HTTPStatusCode)
	}
	return true
}

func transientStatus(code int) bool {
	return code == http.StatusTooManyRequests || code >= http.StatusInternalServerError
}

func (m *Model) request(in Input) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model: m.model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: m.system},
			{Role: openai.ChatMessageRoleUser, Content: userPrompt(in, m.maxTokens, m.knowledge)},
		},
		Temperature: m.temperature,
		ResponseFormat: &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name:   "triage",
				Schema: m.schema,
				Strict: true,
			},
		},
	}
}

// responseSchema is the strict JSON schema of answer: every property
// required and no others, as OpenAI's strict mode demands.
func responseSchema(categories []string) *jsonschema.Definition {
	priorities := make([]string, len(inbox.Priorities))
	for i, p := range inbox.Priorities {
		priorities[i] = string(p)
	}
	text := func(description string) jsonschema.Definition {
		return jsonschema.Definition{Type: jsonschema.String, Description: description}
	}
	enum := func(values []string) jsonschema.Definition {
		return jsonschema.Definition{Type: jsonschema.String, Enum: values}
	}
	return &jsonschema.Definition{
		Type: jsonschema.Object,
		Properties: map[string]jsonschema.Definition{
			"category":           enum(append(slices.Clone(categories), inbox.CategoryOther)),
			"priority":           enum(priorities),
			"sentiment":          enum([]string{string(inbox.SentimentNegative), string(inbox.SentimentNeutral), string(inbox.SentimentPositive)}),
			"language":           text("BCP 47 tag of the customer's language, such as en or pt-BR"),
			"summary":            text("one sentence for the support team"),
			"suggested_reply":    text("draft reply for an agent to review"),
			"needs_human_reason": text("why an agent must look closely; empty when sure"),
		},
		Required:             []string{"category", "priority", "sentiment", "language", "summary", "suggested_reply", "needs_human_reason"},
		AdditionalProperties: false,
	}
}
