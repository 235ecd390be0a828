// Package queue carries jobs between functions over SQS FIFO queues: one
// message group per conversation keeps each conversation in order, and the
// job's identity is the deduplication id, so a job enqueued twice runs once
// within SQS's five-minute window (and the handlers are idempotent after).
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Job is work on one conversation: a message to post or send, and for the
// router, a card to redraw and a notice to post in the thread.
type Job struct {
	ConversationID string `json:"conversation_id"`
	MessageID      string `json:"message_id,omitempty"`
	// Card asks the router to redraw the conversation's Slack card.
	Card bool `json:"card,omitempty"`
	// Triage asks the router to triage the conversation: it is new or
	// was reopened by this message.
	Triage bool `json:"triage,omitempty"`
	// Notice is a line of Switchboard's own for the thread, such as who
	// resolved the conversation. It never holds customer text.
	Notice string `json:"notice,omitempty"`
	// Rate asks the router to request a satisfaction rating of the
	// interaction just resolved (csat.Service.Request; idempotent).
	Rate bool `json:"rate,omitempty"`
	// Rated asks the router to show the customer's rating of Interaction
	// in the thread, and to alert the managers when it is low.
	Rated       bool `json:"rated,omitempty"`
	Interaction int  `json:"interaction,omitempty"`
	// ID identifies a job that is not about one message (the Slack action
	// or event that caused it), for deduplication.
	ID string `json:"id,omitempty"`
}

// GroupID is the FIFO message group of a job: its conversation.
func (j Job) GroupID() string { return j.ConversationID }

// DedupeID is the FIFO deduplication id of a job: its ID, else its message.
func (j Job) DedupeID() string {
	if j.ID != "" {
		return j.ID
	}
	return j.MessageID
}

func (j Job) valid() bool {
	return j.ConversationID != "" && (j.MessageID != "" || j.Card || j.Notice != "" || j.Rate || j.Rated)
}

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
		return fmt.Errorf("enqueue job %s of conversation %s: %w", j.DedupeID(), j.ConversationID, err)
	}
	return nil
}

// Delay makes a received message visible again after d, rounded up to
// whole seconds, for the consumer of this queue.
func (q *SQS) Delay(ctx context.Context, receiptHandle string, d time.Duration) error {
	seconds := int32(math.Ceil(max(d, 0).Seconds()))
	_, err := q.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: &q.url, ReceiptHandle: &receiptHandle, VisibilityTimeout: seconds,
	})
	if err != nil {
		return fmt.Errorf("delay message by %s: %w", d, err)
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

// Delayer hides a received message for a while, so it comes back no
// sooner: SQS's ChangeMessageVisibility.
type Delayer interface {
	Delay(ctx context.Context, receiptHandle string, d time.Duration) error
}

// retryAfter is an error that says how long to wait before trying again,
// such as Slack's HTTP 429 with Retry-After.
type retryAfter interface {
	RetryAfter() time.Duration
}

// Handler runs fn on each job of a batch and reports the failed ones for
// redelivery. Conversations (FIFO groups) run concurrently, so one slow
// conversation (a model call) does not hold up the others in its batch;
// within a conversation jobs run in order, and once one fails the later
// ones are not run and are reported too, so a conversation never runs out
// of order. A failure that asks to be retried later (a rate limit) is
// hidden for that long through delay, which may be nil. Failures are
// logged here, once.
func Handler(log *slog.Logger, fn Func, delay Delayer) BatchHandler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		failed := make([]bool, len(ev.Records))
		groups := map[string][]int{}
		var order []string
		for i, m := range ev.Records {
			group := m.Attributes["MessageGroupId"]
			var j Job
			if err := json.Unmarshal([]byte(m.Body), &j); err != nil || !j.valid() {
				// A body no handler can read would fail forever: let it go
				// to the dead-letter queue through redelivery, loudly.
				log.ErrorContext(ctx, "unreadable job", "sqs_message_id", m.MessageId, "err", err)
				failed[i] = true
				continue
			}
			if group == "" {
				group = j.GroupID()
			}
			if _, ok := groups[group]; !ok {
				order = append(order, group)
			}
			groups[group] = append(groups[group], i)
		}
		var wg sync.WaitGroup
		for _, group := range order {
			wg.Add(1)
			go func(records []int) {
				defer wg.Done()
				for n, i := range records {
					if err := runOne(ctx, log, fn, delay, ev.Records[i]); err != nil {
						for _, later := range records[n:] {
							failed[later] = true
						}
						return
					}
				}
			}(groups[group])
		}
		wg.Wait()
		var res events.SQSEventResponse
		for i, m := range ev.Records {
			if failed[i] {
				res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return res, nil
	}
}

// runOne runs one readable job and logs its failure.
func runOne(ctx context.Context, log *slog.Logger, fn Func, delay Delayer, m events.SQSMessage) error {
	var j Job
	_ = json.Unmarshal([]byte(m.Body), &j)
	attempt, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
	if attempt < 1 {
		attempt = 1
	}
	err := fn(ctx, j, Attempt(attempt))
	if err == nil {
		return nil
	}
	var later retryAfter
	if errors.As(err, &later) && delay != nil {
		// Rate limits are expected under load: put the job back for as
		// long as asked, at warning level.
		log.WarnContext(ctx, "job delayed", "conversation_id", j.ConversationID, "message_id", j.MessageID,
			"job_id", j.ID, "attempt", attempt, "retry_after", later.RetryAfter(), "err", err)
		if err := delay.Delay(ctx, m.ReceiptHandle, later.RetryAfter()); err != nil {
			log.ErrorContext(ctx, "could not delay job", "conversation_id", j.ConversationID, "err", err)
		}
		return err
	}
	log.ErrorContext(ctx, "job failed", "conversation_id", j.ConversationID, "message_id", j.MessageID,
		"job_id", j.ID, "attempt", attempt, "err", err)
	return err
}
