package triage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Limits on the model's answer. A summary is one sentence for a Slack
// card; a suggested reply longer than a page is no longer a draft.
const (
	maxSummaryRunes = 300
	maxReplyRunes   = 3000
	maxReasonRunes  = 300
)

// languageTag is a BCP 47 tag as the model writes one: "en", "pt-BR",
// "zh-Hant". It is not a full BCP 47 parser, only enough to refuse prose.
var languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// answer is the JSON object the model must return, per responseSchema.
type answer struct {
	Category         string
	Priority         inbox.Priority
	Sentiment        inbox.Sentiment
	Language         string
	Summary          string
	SuggestedReply   string
	NeedsHumanReason string
}

// answerJSON has pointer fields so a missing field is told apart from an
// empty one: strict structured output promises every field, and an answer
// without one came from a server that did not honour the schema.
type answerJSON struct {
	Category         *string `json:"category"`
	Priority         *string `json:"priority"`
	Sentiment        *string `json:"sentiment"`
	Language         *string `json:"language"`
	Summary          *string `json:"summary"`
	SuggestedReply   *string `json:"suggested_reply"`
	NeedsHumanReason *string `json:"needs_human_reason"`
}

// errInvalidAnswer marks an answer that arrived but breaks the schema,
// which is worth one more attempt.
var errInvalidAnswer = errors.New("invalid answer")

// parseAnswer decodes and checks the model's message content. Whatever
// the model wrote, the result is either an error or an answer whose every
// field is valid, so nothing downstream has to check again.
func parseAnswer(content string, categories []string) (answer, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(content)))
	dec.DisallowUnknownFields()
	var raw answerJSON
	if err := dec.Decode(&raw); err != nil {
		return answer{}, fmt.Errorf("%w: %v", errInvalidAnswer, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return answer{}, fmt.Errorf("%w: text after the JSON object", errInvalidAnswer)
	}
	fields := []struct {
		name  string
		value *string
	}{
		{"category", raw.Category},
		{"priority", raw.Priority},
		{"sentiment", raw.Sentiment},
		{"language", raw.Language},
		{"summary", raw.Summary},
		{"suggested_reply", raw.SuggestedReply},
		{"needs_human_reason", raw.NeedsHumanReason},
	}
	for _, f := range fields {
		if f.value == nil {
			return answer{}, fmt.Errorf("%w: missing %s", errInvalidAnswer, f.name)
		}
	}
	a := answer{
		Category:         *raw.Category,
		Priority:         inbox.Priority(*raw.Priority),
		Sentiment:        inbox.Sentiment(*raw.Sentiment),
		Language:         *raw.Language,
		Summary:          *raw.Summary,
		SuggestedReply:   *raw.SuggestedReply,
		NeedsHumanReason: *raw.NeedsHumanReason,
	}
	if err := a.check(categories); err != nil {
		return answer{}, fmt.Errorf("%w: %v", errInvalidAnswer, err)
	}
	return a, nil
}

func (a answer) check(categories []string) error {
	switch {
	case a.Category != inbox.CategoryOther && !slices.Contains(categories, a.Category):
		return fmt.Errorf("category %q is not configured", a.Category)
	case !a.Priority.Valid():
		return fmt.Errorf("unknown priority %q", a.Priority)
	case !a.Sentiment.Valid():
		return fmt.Errorf("unknown sentiment %q", a.Sentiment)
	case !languageTag.MatchString(a.Language):
		return fmt.Errorf("language %q is not a BCP 47 tag", a.Language)
	case strings.TrimSpace(a.Summary) == "":
		return errors.New("empty summary")
	case utf8.RuneCountInString(a.Summary) > maxSummaryRunes:
		return fmt.Errorf("summary longer than %d characters", maxSummaryRunes)
	case strings.TrimSpace(a.SuggestedReply) == "":
		return errors.New("empty suggested_reply")
	case utf8.RuneCountInString(a.SuggestedReply) > maxReplyRunes:
		return fmt.Errorf("suggested_reply longer than %d characters", maxReplyRunes)
	case utf8.RuneCountInString(a.NeedsHumanReason) > maxReasonRunes:
		return fmt.Errorf("needs_human_reason longer than %d characters", maxReasonRunes)
	}
	return nil
}
