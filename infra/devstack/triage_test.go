package devstack_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// fakeModel is an OpenAI-compatible server answering every chat
// completion with respond.
func fakeModel(t *testing.T, respond func(http.ResponseWriter)) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/v1/chat/completions" {
			t.Errorf("model request to %s", r.URL.Path)
		}
		respond(w)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func completion(content string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "model": "local-model",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": content}}},
			"usage": map[string]int{"prompt_tokens": 640, "completion_tokens": 80, "total_tokens": 720},
		})
	}
}

// The model's answer fills the card once it arrives; a failing model
// leaves the rules' triage, and the conversation is routed either way.
func TestTriageByModelFillsTheCard(t *testing.T) {
	valid := `{"category":"shipping","priority":"high","sentiment":"negative","language":"en",` +
		`"summary":"Parcel for order 1234 is a week late.","suggested_reply":"Hi Ada, sorry about the delay!","needs_human_reason":""}`
	tests := []struct {
		name       string
		respond    func(http.ResponseWriter)
		wantSource string
		wantText   string
	}{
		{"valid answer", completion(valid), inbox.TriageByModel, "Parcel for order 1234 is a week late."},
		{"server error", func(w http.ResponseWriter) { http.Error(w, "boom", http.StatusInternalServerError) }, inbox.TriageByRules, "*shipping*"},
		{"category outside the list", completion(strings.Replace(valid, `"shipping"`, `"hacked"`, 1)), inbox.TriageByRules, "*shipping*"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			model, calls := fakeModel(t, tc.respond)
			w := newWorkspace(t, map[string]string{"OPENAI_BASE_URL": model.URL + "/v1", "OPENAI_MODEL": "local-model"},
				"My parcel for order 1234 is a week late, where is it?")
			conv := w.conv()
			if calls.Load() == 0 || conv.Triage == nil || conv.Triage.Source != tc.wantSource {
				t.Fatalf("after %d model calls, triage %+v; want source %s", calls.Load(), conv.Triage, tc.wantSource)
			}
			if tc.wantSource == inbox.TriageByModel && (conv.Triage.PromptTokens != 640 || conv.Triage.CompletionTokens != 80) {
				t.Errorf("tokens %d/%d; want the usage stored (640/80)", conv.Triage.PromptTokens, conv.Triage.CompletionTokens)
			}
			if !strings.Contains(w.cardText(), tc.wantText) || !strings.Contains(w.cardText(), "("+tc.wantSource+")") {
				t.Errorf("card lacks %q from %s:\n%s", tc.wantText, tc.wantSource, w.cardText())
			}
			_, replies := w.thread()
			if len(replies) == 0 || !strings.Contains(replies[0].Text, "a week late") {
				t.Errorf("thread %+v; want the customer's message routed", replies)
			}
		})
	}
}
