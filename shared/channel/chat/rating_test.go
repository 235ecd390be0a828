package chat

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
)

const (
	testVisitor  = "q3J4bWx0ZXN0dmlzaXRvcg"
	testConvID   = "01JD0000000000000000000001"
	testSecret   = "chat-identity-secret"
	testUserID   = "user-42"
	testSurveyAt = "2026-11-23T10:00:00Z"
)

var testNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// fakeRatings records the answers it is given and takes them while open.
type fakeRatings struct {
	closed  bool
	err     error
	calls   int
	channel inbox.Channel
	address string
	answer  inbox.SurveyAnswer
}

func (f *fakeRatings) Answer(_ context.Context, ch inbox.Channel, address string, a inbox.SurveyAnswer) (bool, error) {
	f.calls++
	f.channel, f.address, f.answer = ch, address, a
	return !f.closed, f.err
}

// fakeStore holds one visitor's conversation.
type fakeStore struct {
	address string
	msgs    []inbox.Message
}

func (f *fakeStore) Identity(_ context.Context, ch inbox.Channel, address string) (inbox.Identity, *inbox.Latest, error) {
	if ch != inbox.ChannelChat || address != f.address {
		return inbox.Identity{}, nil, inbox.ErrNotFound
	}
	return inbox.Identity{Channel: ch, Address: address}, &inbox.Latest{ConversationID: testConvID, Status: inbox.StatusResolved}, nil
}

func (f *fakeStore) Messages(_ context.Context, conversationID, _ string) ([]inbox.Message, error) {
	if conversationID != testConvID {
		return nil, inbox.ErrNotFound
	}
	return f.msgs, nil
}

type noIngest struct{}

func (noIngest) Ingest(context.Context, inbox.Inbound) (ingest.Result, error) {
	return ingest.Result{}, errors.New("not expected")
}

func newTestHandler(ratings Ratings, st Store) *Handler {
	return &Handler{
		Ingest: noIngest{}, Store: st, Ratings: ratings, IdentitySecret: testSecret,
		Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return testNow },
	}
}

func serve(h *Handler, method, target, body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, strings.NewReader(body)))
	return w
}

func testSurvey() *inbox.Survey {
	s := &inbox.Survey{
		Interaction: 1, ReplyHint: "Reply 1-5", LinkHint: "Choose:", Choose: "Rate",
		CommentPrompt: "Anything to add?", Send: "Send rating", Thanks: "Thank you!",
	}
	for i, label := range []string{"Very bad", "Bad", "Okay", "Good", "Excellent"} {
		s.Options = append(s.Options, inbox.SurveyOption{
			Score: i + 1, Label: label, Payload: inbox.SurveyPayload(testConvID, 1, i+1),
			URL: "https://support.example.com/csat/secret-token",
		})
	}
	return s
}

func TestListShowsSurvey(t *testing.T) {
	request := inbox.Message{
		ID: "01JD0000000000000000000003", ConversationID: testConvID, Direction: inbox.DirectionOut,
		Author: inbox.AuthorBot, Kind: inbox.KindPublic, Delivery: inbox.DeliverySent,
		Text: "How did we do?", CreatedAt: testNow, Survey: testSurvey(),
	}
	queued := request
	queued.ID, queued.Delivery = "01JD0000000000000000000004", inbox.DeliveryQueued
	st := &fakeStore{address: testVisitor, msgs: []inbox.Message{
		{ID: "01JD0000000000000000000002", Direction: inbox.DirectionIn, Author: inbox.AuthorCustomer, Kind: inbox.KindPublic, Text: "Thanks", CreatedAt: testNow},
		request, queued,
	}}
	w := serve(newTestHandler(&fakeRatings{}, st), http.MethodGet, "/chat/messages?visitor_id="+testVisitor, "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /chat/messages = %d %s", w.Code, w.Body)
	}
	var res struct {
		Messages []json.RawMessage `json:"messages"`
		Cursor   string            `json:"cursor"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Messages) != 2 || res.Cursor != request.ID {
		t.Fatalf("list = %s; want the customer's message and the sent request, cursor at the request", w.Body)
	}
	if got := string(res.Messages[0]); strings.Contains(got, "survey") {
		t.Errorf("plain message = %s; want no survey", got)
	}
	want := `{"id":"01JD0000000000000000000003","direction":"out","author":"bot","text":"How did we do?","created_at":"` + testSurveyAt + `",` +
		`"survey":{"interaction":1,"options":[{"score":1,"label":"Very bad"},{"score":2,"label":"Bad"},{"score":3,"label":"Okay"},` +
		`{"score":4,"label":"Good"},{"score":5,"label":"Excellent"}],"comment_prompt":"Anything to add?","send":"Send rating","thanks":"Thank you!"}}`
	if got := string(res.Messages[1]); got != want {
		t.Errorf("survey message = %s\nwant %s", got, want)
	}
}

func ratingBody(fields map[string]any) string {
	body := map[string]any{"visitor_id": testVisitor, "conversation_id": testConvID, "interaction": 1, "score": 4}
	for k, v := range fields {
		if v == nil {
			delete(body, k)
			continue
		}
		body[k] = v
	}
	raw, _ := json.Marshal(body)
	return string(raw)
}

func TestRate(t *testing.T) {
	comment := strings.Repeat("é", inbox.MaxCommentRunes)
	tests := []struct {
		name        string
		body        string
		ratings     *fakeRatings
		status      int
		response    string
		wantAddress string
		wantAnswer  inbox.SurveyAnswer
	}{
		{name: "rated", body: ratingBody(map[string]any{"comment": "  Quick and kind.\n"}), ratings: &fakeRatings{},
			status: 200, response: `{"rated":4}`, wantAddress: testVisitor,
			wantAnswer: inbox.SurveyAnswer{ConversationID: testConvID, Interaction: 1, Score: 4, Comment: "Quick and kind."}},
		{name: "first interaction, no comment", body: ratingBody(map[string]any{"interaction": 0, "score": 1}), ratings: &fakeRatings{},
			status: 200, response: `{"rated":1}`, wantAddress: testVisitor,
			wantAnswer: inbox.SurveyAnswer{ConversationID: testConvID, Interaction: 0, Score: 1}},
		{name: "longest comment", body: ratingBody(map[string]any{"score": 5, "comment": comment}), ratings: &fakeRatings{},
			status: 200, response: `{"rated":5}`, wantAddress: testVisitor,
			wantAnswer: inbox.SurveyAnswer{ConversationID: testConvID, Interaction: 1, Score: 5, Comment: comment}},
		{name: "verified user", body: ratingBody(map[string]any{"user_id": testUserID, "user_hash": UserHash(testSecret, testUserID)}),
			ratings: &fakeRatings{}, status: 200, response: `{"rated":4}`, wantAddress: "user:" + testUserID,
			wantAnswer: inbox.SurveyAnswer{ConversationID: testConvID, Interaction: 1, Score: 4}},
		{name: "forged user_hash", body: ratingBody(map[string]any{"user_id": testUserID, "user_hash": UserHash("guess", testUserID)}),
			ratings: &fakeRatings{}, status: 401, response: `{"error":"user_hash does not match user_id"}`},
		{name: "closed", body: ratingBody(nil), ratings: &fakeRatings{closed: true},
			status: 410, response: `{"error":"this rating is closed"}`, wantAddress: testVisitor,
			wantAnswer: inbox.SurveyAnswer{ConversationID: testConvID, Interaction: 1, Score: 4}},
		{name: "store down", body: ratingBody(nil), ratings: &fakeRatings{err: errors.New("dynamodb unavailable")},
			status: 500, response: `{"error":"internal error, please retry"}`, wantAddress: testVisitor,
			wantAnswer: inbox.SurveyAnswer{ConversationID: testConvID, Interaction: 1, Score: 4}},
		{name: "score 0", body: ratingBody(map[string]any{"score": 0}), ratings: &fakeRatings{}, status: 400},
		{name: "score 6", body: ratingBody(map[string]any{"score": 6}), ratings: &fakeRatings{}, status: 400},
		{name: "score as text", body: ratingBody(map[string]any{"score": "4"}), ratings: &fakeRatings{}, status: 400},
		{name: "half a score", body: ratingBody(map[string]any{"score": 4.5}), ratings: &fakeRatings{}, status: 400},
		{name: "no score", body: ratingBody(map[string]any{"score": nil}), ratings: &fakeRatings{}, status: 400},
		{name: "short conversation id", body: ratingBody(map[string]any{"conversation_id": "01JD"}), ratings: &fakeRatings{}, status: 400},
		{name: "lower-case conversation id", body: ratingBody(map[string]any{"conversation_id": strings.ToLower(testConvID)}), ratings: &fakeRatings{}, status: 400},
		{name: "no conversation id", body: ratingBody(map[string]any{"conversation_id": nil}), ratings: &fakeRatings{}, status: 400},
		{name: "bad visitor id", body: ratingBody(map[string]any{"visitor_id": "short"}), ratings: &fakeRatings{}, status: 400},
		{name: "no interaction", body: ratingBody(map[string]any{"interaction": nil}), ratings: &fakeRatings{}, status: 400},
		{name: "negative interaction", body: ratingBody(map[string]any{"interaction": -1}), ratings: &fakeRatings{}, status: 400},
		{name: "huge interaction", body: ratingBody(map[string]any{"interaction": 1e12}), ratings: &fakeRatings{}, status: 400},
		{name: "comment too long", body: ratingBody(map[string]any{"comment": comment + "x"}), ratings: &fakeRatings{}, status: 400},
		{name: "not JSON", body: `visitor_id=` + testVisitor, ratings: &fakeRatings{}, status: 400},
		{name: "JSON array", body: `[]`, ratings: &fakeRatings{}, status: 400},
		{name: "body over 16 KiB", body: ratingBody(map[string]any{"comment": strings.Repeat("a", MaxBodyBytes)}), ratings: &fakeRatings{}, status: 413},
	}
	for _, tt := range tests {
		w := serve(newTestHandler(tt.ratings, nil), http.MethodPost, "/chat/rating", tt.body)
		if w.Code != tt.status {
			t.Errorf("%s: POST /chat/rating = %d %s; want %d", tt.name, w.Code, w.Body, tt.status)
			continue
		}
		if got := w.Header().Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin = %q; want *", tt.name, got)
		}
		var e struct{ Error string }
		if tt.status >= 400 && (json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error == "") {
			t.Errorf("%s: body = %s; want a JSON error", tt.name, w.Body)
		}
		if tt.response != "" && strings.TrimSpace(w.Body.String()) != tt.response {
			t.Errorf("%s: body = %s; want %s", tt.name, w.Body, tt.response)
		}
		if tt.wantAddress == "" {
			if tt.ratings.calls != 0 {
				t.Errorf("%s: Ratings.Answer called %d times; want none", tt.name, tt.ratings.calls)
			}
			continue
		}
		r := tt.ratings
		if r.calls != 1 || r.channel != inbox.ChannelChat || r.address != tt.wantAddress || r.answer != tt.wantAnswer {
			t.Errorf("%s: Ratings.Answer got %d calls, last (%s, %q, %+v); want (chat, %q, %+v)",
				tt.name, r.calls, r.channel, r.address, r.answer, tt.wantAddress, tt.wantAnswer)
		}
	}
}

func TestRateRoutes(t *testing.T) {
	tests := []struct {
		name    string
		ratings Ratings
		method  string
		status  int
	}{
		{"ratings not set up", nil, http.MethodPost, 404},
		{"GET", &fakeRatings{}, http.MethodGet, 404},
		{"PUT", &fakeRatings{}, http.MethodPut, 404},
	}
	for _, tt := range tests {
		w := serve(newTestHandler(tt.ratings, nil), tt.method, "/chat/rating", ratingBody(nil))
		if w.Code != tt.status || w.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: %s /chat/rating = %d, CORS %q; want %d, *", tt.name, tt.method, w.Code,
				w.Header().Get("Access-Control-Allow-Origin"), tt.status)
		}
	}
}

func FuzzParseRating(f *testing.F) {
	f.Add([]byte(ratingBody(nil)))
	f.Add([]byte(ratingBody(map[string]any{"comment": " \u0000é ", "user_id": "u", "user_hash": "00"})))
	f.Add([]byte(`{"visitor_id":"abcdefghijklmnop","conversation_id":"01JD0000000000000000000001","interaction":1e3,"score":5.0}`))
	f.Add([]byte(`{"interaction":null,"score":-1}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseRating(body)
		if err != nil {
			var re *requestError
			if !errors.As(err, &re) || re.status != http.StatusBadRequest {
				t.Fatalf("parseRating(%q) = %v; want a 400 requestError", body, err)
			}
			return
		}
		switch {
		case !visitorIDPattern.MatchString(req.VisitorID), !validID(req.ConversationID),
			req.Interaction < 0, req.Interaction > inbox.MaxInteraction, !inbox.ValidScore(req.Score),
			req.Comment != strings.TrimSpace(req.Comment), utf8.RuneCountInString(req.Comment) > inbox.MaxCommentRunes,
			!utf8.ValidString(req.Comment), req.UserID != "" && !userIDPattern.MatchString(req.UserID):
			t.Fatalf("parseRating(%q) accepted %+v", body, req)
		}
	})
}
