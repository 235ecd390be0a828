package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func record(id, group, body string, receives string) events.SQSMessage {
	return events.SQSMessage{MessageId: id, Body: body,
		Attributes: map[string]string{"MessageGroupId": group, "ApproximateReceiveCount": receives}}
}

func job(conv, msg string) string {
	b, _ := json.Marshal(Job{ConversationID: conv, MessageID: msg})
	return string(b)
}

func TestHandlerKeepsGroupsInOrder(t *testing.T) {
	var mu sync.Mutex
	ran := map[string][]string{}
	fn := func(_ context.Context, j Job, a Attempt) error {
		mu.Lock()
		ran[j.ConversationID] = append(ran[j.ConversationID], j.MessageID)
		mu.Unlock()
		if j.MessageID == "a2" {
			return errors.New("slack is down")
		}
		return nil
	}
	ev := events.SQSEvent{Records: []events.SQSMessage{
		record("1", "A", job("A", "a1"), "1"),
		record("2", "A", job("A", "a2"), "1"),
		record("3", "B", job("B", "b1"), "1"),
		record("4", "A", job("A", "a3"), "1"),
		record("5", "B", "{not json", "1"),
	}}
	res, err := Handler(slog.New(slog.NewTextHandler(io.Discard, nil)), fn, nil)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string][]string{"A": {"a1", "a2"}, "B": {"b1"}}; !reflect.DeepEqual(ran, want) {
		t.Errorf("ran %v; want %v (a3 must wait behind the failed a2)", ran, want)
	}
	var failed []string
	for _, f := range res.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if want := []string{"2", "4", "5"}; !reflect.DeepEqual(failed, want) {
		t.Errorf("failures %v; want %v", failed, want)
	}
}

func TestHandlerPassesAttempt(t *testing.T) {
	var got Attempt
	fn := func(_ context.Context, _ Job, a Attempt) error { got = a; return nil }
	h := Handler(slog.New(slog.NewTextHandler(os.Stderr, nil)), fn, nil)
	if _, err := h(context.Background(), events.SQSEvent{Records: []events.SQSMessage{record("1", "A", job("A", "a"), "4")}}); err != nil {
		t.Fatal(err)
	}
	if got != 4 {
		t.Errorf("attempt = %d; want 4 (ApproximateReceiveCount)", got)
	}
}

// The record is aws-lambda-go's own SQS testdata: a real event decodes.
func TestHandlerReadsRealEvent(t *testing.T) {
	raw, err := os.ReadFile("testdata/sqs-event.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev.Records[0].Body = job("conv-1", "msg-1")
	var got Job
	fn := func(_ context.Context, j Job, _ Attempt) error { got = j; return nil }
	if _, err := Handler(slog.New(slog.NewTextHandler(io.Discard, nil)), fn, nil)(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if got != (Job{ConversationID: "conv-1", MessageID: "msg-1"}) {
		t.Errorf("job = %+v", got)
	}
}

type limited struct{ wait time.Duration }

func (e limited) Error() string             { return "rate limited" }
func (e limited) RetryAfter() time.Duration { return e.wait }

type delays map[string]time.Duration

var delaysMu sync.Mutex

func (d delays) Delay(_ context.Context, receipt string, wait time.Duration) error {
	delaysMu.Lock()
	defer delaysMu.Unlock()
	d[receipt] = wait
	return nil
}

func TestHandlerDelaysRateLimitedJobs(t *testing.T) {
	fn := func(_ context.Context, j Job, _ Attempt) error {
		if j.MessageID == "a1" {
			return fmt.Errorf("post: %w", limited{wait: 30 * time.Second})
		}
		return nil
	}
	msgs := []events.SQSMessage{
		record("1", "A", job("A", "a1"), "1"),
		record("2", "A", job("A", "a2"), "1"),
		record("3", "B", job("B", "b1"), "1"),
	}
	for i := range msgs {
		msgs[i].ReceiptHandle = "receipt-" + msgs[i].MessageId
	}
	got := delays{}
	res, err := Handler(slog.New(slog.NewTextHandler(io.Discard, nil)), fn, got)(context.Background(), events.SQSEvent{Records: msgs})
	if err != nil {
		t.Fatal(err)
	}
	if want := (delays{"receipt-1": 30 * time.Second}); !reflect.DeepEqual(got, want) {
		t.Errorf("delays = %v; want %v (only the rate-limited job, for its Retry-After)", got, want)
	}
	var failed []string
	for _, f := range res.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if want := []string{"1", "2"}; !reflect.DeepEqual(failed, want) {
		t.Errorf("failures %v; want %v (a2 waits behind a1, b1 runs)", failed, want)
	}
}

func TestJobDedupeID(t *testing.T) {
	for _, tc := range []struct {
		job  Job
		want string
	}{
		{Job{ConversationID: "c", MessageID: "m"}, "m"},
		{Job{ConversationID: "c", Card: true, ID: "desk#1"}, "desk#1"},
		{Job{ConversationID: "c", MessageID: "m", Card: true, ID: "x"}, "x"},
	} {
		if got := tc.job.DedupeID(); got != tc.want {
			t.Errorf("%+v.DedupeID() = %q; want %q", tc.job, got, tc.want)
		}
	}
}

// One conversation's slow job (a model call) does not hold up another's:
// A's job can only finish once B's has run.
func TestHandlerRunsConversationsConcurrently(t *testing.T) {
	bRan := make(chan struct{})
	fn := func(ctx context.Context, j Job, _ Attempt) error {
		if j.ConversationID == "B" {
			close(bRan)
			return nil
		}
		select {
		case <-bRan:
			return nil
		case <-time.After(10 * time.Second):
			return errors.New("B never ran while A waited")
		}
	}
	ev := events.SQSEvent{Records: []events.SQSMessage{record("1", "A", job("A", "a1"), "1"), record("2", "B", job("B", "b1"), "1")}}
	res, err := Handler(slog.New(slog.NewTextHandler(io.Discard, nil)), fn, nil)(context.Background(), ev)
	if err != nil || len(res.BatchItemFailures) != 0 {
		t.Errorf("Handler = %+v, %v; want both jobs done", res, err)
	}
}
