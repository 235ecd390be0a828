package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandshake(t *testing.T) {
	tests := []struct {
		name       string
		configured string
		query      string
		status     int
		body       string
	}{
		{"documented request", "meatyhamhock", "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock", 200, "1158201444"},
		{"wrong token", "meatyhamhock", "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess", 403, ""},
		{"token differs in case", "meatyhamhock", "hub.mode=subscribe&hub.challenge=1&hub.verify_token=MEATYHAMHOCK", 403, ""},
		{"wrong mode", "meatyhamhock", "hub.mode=unsubscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock", 403, ""},
		{"no mode", "meatyhamhock", "hub.challenge=1158201444&hub.verify_token=meatyhamhock", 403, ""},
		{"no token", "meatyhamhock", "hub.mode=subscribe&hub.challenge=1158201444", 403, ""},
		{"nothing configured", "", "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=", 403, ""},
	}
	for _, tt := range tests {
		e := newTestEnv(t)
		e.h.VerifyToken = tt.configured
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/webhooks/meta?"+tt.query, nil))
		if w.Code != tt.status {
			t.Errorf("%s: status = %d; want %d", tt.name, w.Code, tt.status)
		}
		if tt.status == 200 && (w.Body.String() != tt.body || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain")) {
			t.Errorf("%s: body = %q (%s); want %q as text/plain", tt.name, w.Body, w.Header().Get("Content-Type"), tt.body)
		}
	}
}

func TestSignatureVector(t *testing.T) {
	var vector struct {
		Secret    string `json:"app_secret"`
		Signature string `json:"X-Hub-Signature-256"`
	}
	if err := json.Unmarshal(fixture(t, "x_hub_signature_256.SELF_GENERATED_vector.json"), &vector); err != nil {
		t.Fatal(err)
	}
	body := fixture(t, "whatsapp_text_message.json")
	if got := Signature(vector.Secret, body); got != vector.Signature {
		t.Errorf("Signature = %s; want %s", got, vector.Signature)
	}
	if !ValidSignature(vector.Secret, body, vector.Signature) {
		t.Error("ValidSignature rejects the vector")
	}
}

func TestSignatureRequired(t *testing.T) {
	body := fixture(t, "whatsapp_text_message.json")
	mutated := bytes.Replace(body, []byte("Hello World"), []byte("Hello Wurld"), 1)
	valid := Signature(testSecret, body)
	tests := []struct {
		name      string
		secret    string
		body      []byte
		signature string
		status    int
	}{
		{"valid", testSecret, body, valid, 200},
		{"upper-case hex", testSecret, body, "sha256=" + strings.ToUpper(strings.TrimPrefix(valid, "sha256=")), 200},
		{"forged with another secret", testSecret, body, Signature("not_the_secret", body), 401},
		{"missing", testSecret, body, "", 401},
		{"mutated body", testSecret, mutated, valid, 401},
		{"sha1 header form", testSecret, body, "sha1=" + strings.TrimPrefix(valid, "sha256="), 401},
		{"not hex", testSecret, body, "sha256=zz", 401},
		{"truncated", testSecret, body, valid[:len(valid)-2], 401},
		{"no secret configured", "", body, Signature("", body), 401},
	}
	for _, tt := range tests {
		e := newTestEnv(t)
		e.h.AppSecret = tt.secret
		w := e.post(tt.body, tt.signature)
		if w.Code != tt.status {
			t.Errorf("%s: status = %d; want %d", tt.name, w.Code, tt.status)
		}
		wantIngested := 0
		if tt.status == 200 {
			wantIngested = 1
		}
		if len(e.ingest.got) != wantIngested || len(e.media.saved) != 0 || len(e.receipts.got) != 0 {
			t.Errorf("%s: ingested %d, saved %d files, %d receipts; want %d, 0, 0",
				tt.name, len(e.ingest.got), len(e.media.saved), len(e.receipts.got), wantIngested)
		}
	}
}

func TestPostStatuses(t *testing.T) {
	storeDown := errors.New("store down")
	tests := []struct {
		name   string
		body   []byte
		setup  func(*testEnv)
		status int
	}{
		{"malformed JSON", []byte(`{"object":"page","entry":[`), nil, 400},
		{"not an object", []byte(`[1,2]`), nil, 400},
		{"unknown object is ignored", []byte(`{"object":"user","entry":[{"id":"1","changes":[{"field":"name"}]}]}`), nil, 200},
		{"too large", append([]byte(`{"object":"page","x":"`), bytes.Repeat([]byte("a"), MaxBodyBytes)...), nil, 413},
		{"ingest fails", fixture(t, "whatsapp_text_message.json"), func(e *testEnv) { e.ingest.err = storeDown }, 500},
		{"receipts fail", fixture(t, "whatsapp_status_failed.json"), func(e *testEnv) { e.receipts.err = storeDown }, 500},
		{"media store fails", fixture(t, "whatsapp_image.json"), func(e *testEnv) { e.media.err = storeDown }, 500},
		{"receipts not wired", fixture(t, "whatsapp_status_failed.json"), func(e *testEnv) { e.h.Receipts = nil }, 200},
	}
	for _, tt := range tests {
		e := newTestEnv(t)
		if tt.setup != nil {
			tt.setup(e)
		}
		if w := e.postSigned(tt.body); w.Code != tt.status {
			t.Errorf("%s: status = %d; want %d", tt.name, w.Code, tt.status)
		}
		if len(e.ingest.got) != 0 {
			t.Errorf("%s: ingested %d messages; want none", tt.name, len(e.ingest.got))
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	e := newTestEnv(t)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/webhooks/meta", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("PUT status = %d; want 405", w.Code)
	}
}
