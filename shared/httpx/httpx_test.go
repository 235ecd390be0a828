package httpx

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// The event is aws-lambda-go's own testdata, a real HTTP API v2 request.
func TestLambdaServesRealEvent(t *testing.T) {
	raw, err := os.ReadFile("testdata/apigw-v2-request-no-authorizer.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	var got *http.Request
	var gotBody string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
	res, err := Lambda(h)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != ev.RequestContext.HTTP.Method || got.URL.Path != ev.RawPath || got.URL.RawQuery != ev.RawQueryString {
		t.Errorf("request = %s %s?%s; want %s %s?%s", got.Method, got.URL.Path, got.URL.RawQuery,
			ev.RequestContext.HTTP.Method, ev.RawPath, ev.RawQueryString)
	}
	if gotBody != ev.Body {
		t.Errorf("body = %q; want %q", gotBody, ev.Body)
	}
	if got.Header.Get("Header1") != ev.Headers["header1"] {
		t.Errorf("header1 = %q; want %q", got.Header.Get("Header1"), ev.Headers["header1"])
	}
	if _, ok := RequestEvent(got); !ok {
		t.Error("RequestEvent found no event in the request context")
	}
	if res.StatusCode != http.StatusCreated || res.Body != `{"ok":true}` || res.IsBase64Encoded {
		t.Errorf("response = %+v; want 201 with the JSON body as text", res)
	}
}

func TestBase64BodiesRoundTrip(t *testing.T) {
	form := "payload=%7B%22a%22%3A1%7D&x=%E2%9C%93"
	r := httptest.NewRequest(http.MethodPost, "/slack/interactions?q=1", strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Slack-Signature", "v0=abc")
	ev := Event(r, []byte(form))
	if !ev.IsBase64Encoded || ev.Headers["x-slack-signature"] != "v0=abc" {
		t.Fatalf("Event = %+v; want a base64 body and lower-cased headers", ev)
	}
	var body string
	res, err := Lambda(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte{0x89, 'P', 'N', 'G'})
	}))(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if body != form {
		t.Errorf("handler read %q; want the raw bytes %q", body, form)
	}
	if b, _ := base64.StdEncoding.DecodeString(res.Body); !res.IsBase64Encoded || string(b) != "\x89PNG" {
		t.Errorf("binary response = %+v; want it base64-encoded", res)
	}
	rec := httptest.NewRecorder()
	Write(rec, res)
	if rec.Body.String() != "\x89PNG" || rec.Header().Get("Content-Type") != "image/png" {
		t.Errorf("Write wrote %q (%s); want the decoded PNG bytes", rec.Body.String(), rec.Header().Get("Content-Type"))
	}
}

func TestLambdaRejectsBadBase64(t *testing.T) {
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/x", Body: "!!!", IsBase64Encoded: true}
	res, err := Lambda(http.NotFoundHandler())(context.Background(), ev)
	if err != nil || res.StatusCode != http.StatusBadRequest {
		t.Errorf("Lambda(bad base64) = %d, %v; want 400", res.StatusCode, err)
	}
}
