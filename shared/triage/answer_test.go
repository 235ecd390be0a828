package triage

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

var testCategories = []string{"billing", "bug", "shipping"}

const validAnswer = `{"category":"shipping","priority":"high","sentiment":"negative","language":"pt-BR",` +
	`"summary":"Parcel 4411 is two weeks late.","suggested_reply":"Olá! Vamos verificar.","needs_human_reason":""}`

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		name, content, wantErr string
	}{
		{"valid", validAnswer, ""},
		{"other is always allowed", strings.Replace(validAnswer, `"shipping"`, `"other"`, 1), ""},
		{"surrounding space", "\n " + validAnswer + "\n", ""},
		{"not JSON", "Sure! Here is the triage: shipping", "invalid answer"},
		{"unknown category", strings.Replace(validAnswer, `"shipping"`, `"refund"`, 1), `category "refund" is not configured`},
		{"unknown field", strings.Replace(validAnswer, `{`, `{"confidence":0.9,`, 1), `unknown field "confidence"`},
		{"missing field", strings.Replace(validAnswer, `,"needs_human_reason":""`, "", 1), "missing needs_human_reason"},
		{"null field", strings.Replace(validAnswer, `"summary":"Parcel 4411 is two weeks late."`, `"summary":null`, 1), "missing summary"},
		{"bad priority", strings.Replace(validAnswer, `"high"`, `"critical"`, 1), `unknown priority "critical"`},
		{"bad sentiment", strings.Replace(validAnswer, `"negative"`, `"angry"`, 1), `unknown sentiment "angry"`},
		{"bad language", strings.Replace(validAnswer, `"pt-BR"`, `"Portuguese (Brazil)"`, 1), "not a BCP 47 tag"},
		{"blank summary", strings.Replace(validAnswer, `"Parcel 4411 is two weeks late."`, `"  "`, 1), "empty summary"},
		{"long summary", strings.Replace(validAnswer, `"Parcel 4411 is two weeks late."`, `"`+strings.Repeat("é", 301)+`"`, 1), "summary longer than 300"},
		{"empty reply", strings.Replace(validAnswer, `"Olá! Vamos verificar."`, `""`, 1), "empty suggested_reply"},
		{"two objects", validAnswer + validAnswer, "text after the JSON object"},
		{"array", "[" + validAnswer + "]", "invalid answer"},
	}
	for _, tt := range tests {
		a, err := parseAnswer(tt.content, testCategories)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: parseAnswer: %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: parseAnswer error = %v; want %q", tt.name, err, tt.wantErr)
		case tt.wantErr == "" && (a.Priority != inbox.PriorityHigh || a.Language != "pt-BR" || a.SuggestedReply != "Olá! Vamos verificar."):
			t.Errorf("%s: parseAnswer = %+v", tt.name, a)
		}
	}
}

// FuzzParseAnswer holds parseAnswer to its promise: whatever the model
// writes, it never panics, and what it accepts is valid in every field.
func FuzzParseAnswer(f *testing.F) {
	f.Add(validAnswer)
	f.Add(strings.Replace(validAnswer, `"shipping"`, `"other"`, 1))
	f.Add(strings.Replace(validAnswer, `"pt-BR"`, `"zh-Hant-TW"`, 1))
	f.Add(`{"category":"bug"}`)
	f.Add(`{"category":"bug","priority":"low","sentiment":"neutral","language":"en","summary":"x","suggested_reply":"y","needs_human_reason":"","extra":1}`)
	f.Add(`{"category":"bug","priority":"low","sentiment":"neutral","language":"e","summary":"x","suggested_reply":"y","needs_human_reason":""}`)
	f.Add(validAnswer + " trailing")
	f.Add(`null`)
	f.Add(``)
	f.Add(`{"category":"\u0062ug","priority":"low","sentiment":"neutral","language":"en","summary":"\ud800","suggested_reply":"y","needs_human_reason":""}`)
	f.Fuzz(func(t *testing.T, content string) {
		a, err := parseAnswer(content, testCategories)
		if err != nil {
			return
		}
		if a.Category != inbox.CategoryOther && !slices.Contains(testCategories, a.Category) {
			t.Errorf("accepted category %q", a.Category)
		}
		if !a.Priority.Valid() || !a.Sentiment.Valid() {
			t.Errorf("accepted priority %q, sentiment %q", a.Priority, a.Sentiment)
		}
		if !languageTag.MatchString(a.Language) {
			t.Errorf("accepted language %q", a.Language)
		}
		if strings.TrimSpace(a.Summary) == "" || utf8.RuneCountInString(a.Summary) > maxSummaryRunes {
			t.Errorf("accepted summary %q", a.Summary)
		}
		if strings.TrimSpace(a.SuggestedReply) == "" || utf8.RuneCountInString(a.SuggestedReply) > maxReplyRunes {
			t.Errorf("accepted suggested_reply of %d runes", utf8.RuneCountInString(a.SuggestedReply))
		}
		if utf8.RuneCountInString(a.NeedsHumanReason) > maxReasonRunes {
			t.Errorf("accepted needs_human_reason of %d runes", utf8.RuneCountInString(a.NeedsHumanReason))
		}
	})
}
