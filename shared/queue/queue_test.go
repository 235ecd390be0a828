package queue

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"reflect"
	"testing"

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
	var ran []string
	fn := func(_ context.Context, j Job, a Attempt) error {
		ran = append(ran, j.MessageID)
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
	res, err := Handler(slog.New(slog.NewTextHandler(io.Discard, nil)), fn)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a1", "a2", "b1"}; !reflect.DeepEqual(ran, want) {
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
	h := Handler(slog.New(slog.NewTextHandler(os.Stderr, nil)), fn)
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
	if _, err := Handler(slog.New(slog.NewTextHandler(io.Discard, nil)), fn)(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if got != (Job{ConversationID: "conv-1", MessageID: "msg-1"}) {
		t.Errorf("job = %+v", got)
	}
}
