// Package queue carries jobs between functions over SQS FIFO queues: one
// message group per conversation keeps each conversation in order, and the
// message id is the deduplication id, so a job enqueued twice runs once
// within SQS's five-minute window (and the handlers are idempotent after).
package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Job names one message of one conversation to act on.
type Job struct {
	ConversationID string `json:"conversation_id"`
	MessageID      string `json:"message_id"`
}

// GroupID is the FIFO message group of a job: its conversation.
func (j Job) GroupID() string { return j.ConversationID }

// DedupeID is the FIFO deduplication id of a job: its message.
func (j Job) DedupeID() string { return j.MessageID }

// SQS publishes jobs to one SQS FIFO queue.
type SQS struct {
	client *sqs.Client
	url    string
}

// NewSQS returns a publisher to the queue at url.
func NewSQS(client *sqs.Client, url string) *SQS {
	return &SQS{client: client, url: url}
}

// Publish enqueues a job.
func (q *SQS) Publish(ctx context.Context, j Job) error {
	body, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = q.client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:               &q.url,
		MessageBody:            aws.String(string(body)),
		MessageGroupId:         aws.String(j.GroupID()),
		MessageDeduplicationId: aws.String(j.DedupeID()),
	})
	if err != nil {
		return fmt.Errorf("enqueue message %s of conversation %s: %w", j.MessageID, j.ConversationID, err)
	}
	return nil
}

// Attempt is the how-many-th delivery of a job this is, starting at 1.
type Attempt int

// Func handles one job.
type Func func(ctx context.Context, j Job, attempt Attempt) error

// BatchHandler is the shape of an SQS Lambda handler that reports partial
// batch failures (FunctionResponseTypes: ReportBatchItemFailures).
type BatchHandler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// Handler runs fn on each job of a batch and reports the failed ones for
// redelivery. Once a job of a conversation fails, the later jobs of that
// conversation in the batch are not run and are reported too, so a FIFO
// group never runs out of order. Failures are logged here, once.
func Handler(log *slog.Logger, fn Func) BatchHandler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var res events.SQSEventResponse
		failedGroups := map[string]bool{}
		for _, m := range ev.Records {
			group := m.Attributes["MessageGroupId"]
			var j Job
			if err := json.Unmarshal([]byte(m.Body), &j); err != nil || j.ConversationID == "" || j.MessageID == "" {
				// A body no handler can read would fail forever: let it go
				// to the dead-letter queue through redelivery, loudly.
				log.ErrorContext(ctx, "unreadable job", "sqs_message_id", m.MessageId, "err", err)
				res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
				continue
			}
			if group == "" {
				group = j.GroupID()
			}
			if failedGroups[group] {
				res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
				continue
			}
			attempt, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
			if attempt < 1 {
				attempt = 1
			}
			if err := fn(ctx, j, Attempt(attempt)); err != nil {
				log.ErrorContext(ctx, "job failed", "conversation_id", j.ConversationID, "message_id", j.MessageID,
					"attempt", attempt, "err", err)
				failedGroups[group] = true
				res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return res, nil
	}
}
