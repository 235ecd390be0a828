package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-inbox/switchboard/shared/queue"
)

// sqsDedupeWindow is SQS FIFO's deduplication interval.
const sqsDedupeWindow = 5 * time.Minute

// LocalQueue stands in for an SQS FIFO queue and its Lambda trigger: it
// hands the consumer events.SQSEvent batches of up to ten, keeps each
// message group in order, redelivers reported failures after a visibility
// delay with a growing ApproximateReceiveCount, and moves a message to its
// dead-letter list after maxReceives, as SQS's redrive policy does.
type LocalQueue struct {
	name        string
	consumer    queue.BatchHandler
	maxReceives int
	retryDelay  time.Duration
	log         *slog.Logger

	mu      sync.Mutex
	pending []*localMessage
	dedupe  map[string]time.Time
	dead    []queue.Job
	seq     int
	busy    bool
	held    bool
	wake    chan struct{}
}

type localMessage struct {
	id        string
	job       queue.Job
	body      string
	receives  int
	visibleAt time.Time
	// delay, when set, replaces the retry delay after this receive, as
	// ChangeMessageVisibility does for an in-flight SQS message.
	delay *time.Duration
}

// newLocalQueue returns a queue whose consumer is set before it runs: the
// consumer's app needs the queue first.
func newLocalQueue(name string, maxReceives int, retryDelay time.Duration, log *slog.Logger) *LocalQueue {
	return &LocalQueue{
		name: name, maxReceives: maxReceives, retryDelay: retryDelay, log: log,
		dedupe: map[string]time.Time{}, wake: make(chan struct{}, 1),
	}
}

// Publish enqueues a job, dropping it if the same deduplication id was
// sent within five minutes, like SQS FIFO.
func (q *LocalQueue) Publish(_ context.Context, j queue.Job) error {
	body, err := json.Marshal(j)
	if err != nil {
		return err
	}
	now := time.Now()
	q.mu.Lock()
	if at, ok := q.dedupe[j.DedupeID()]; ok && now.Sub(at) < sqsDedupeWindow {
		q.mu.Unlock()
		return nil
	}
	q.dedupe[j.DedupeID()] = now
	q.seq++
	q.pending = append(q.pending, &localMessage{id: q.name + "-" + strconv.Itoa(q.seq), job: j, body: string(body), visibleAt: now})
	q.mu.Unlock()
	q.poke()
	return nil
}

func (q *LocalQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Delay sets how long the in-flight message with this receipt handle (its
// id here) stays hidden after it fails.
func (q *LocalQueue) Delay(_ context.Context, receiptHandle string, d time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, m := range q.pending {
		if m.id == receiptHandle {
			m.delay = &d
			return nil
		}
	}
	return fmt.Errorf("local queue %s: no message %s in flight", q.name, receiptHandle)
}

// Hold stops deliveries until Release, as a consumer that has not polled
// yet: what an agent does in that window happens before the job runs.
func (q *LocalQueue) Hold() {
	q.mu.Lock()
	q.held = true
	q.mu.Unlock()
}

// Release resumes deliveries after Hold.
func (q *LocalQueue) Release() {
	q.mu.Lock()
	q.held = false
	q.mu.Unlock()
	q.poke()
}

// DeadLetters returns the jobs that exhausted their receives.
func (q *LocalQueue) DeadLetters() []queue.Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]queue.Job(nil), q.dead...)
}

// Idle reports whether nothing is pending or being handled.
func (q *LocalQueue) Idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return (len(q.pending) == 0 || q.held) && !q.busy
}

func (q *LocalQueue) run(ctx context.Context) {
	for {
		wait := q.deliverBatch(ctx)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-q.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// deliverBatch runs one batch and says how long to sleep before the next
// message becomes visible.
func (q *LocalQueue) deliverBatch(ctx context.Context) time.Duration {
	now := time.Now()
	q.mu.Lock()
	if q.held {
		q.mu.Unlock()
		return time.Hour
	}
	var batch []*localMessage
	blocked := map[string]bool{}
	next := time.Hour
	for _, m := range q.pending {
		group := m.job.GroupID()
		if m.visibleAt.After(now) {
			// A FIFO group waits behind its invisible head.
			blocked[group] = true
			if d := m.visibleAt.Sub(now); d < next {
				next = d
			}
			continue
		}
		if blocked[group] || len(batch) == 10 {
			continue
		}
		m.receives++
		batch = append(batch, m)
	}
	q.busy = len(batch) > 0
	q.mu.Unlock()
	if len(batch) == 0 {
		return next
	}

	ev := events.SQSEvent{}
	for _, m := range batch {
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: m.id, ReceiptHandle: m.id, Body: m.body, EventSource: "aws:sqs",
			EventSourceARN: "arn:aws:sqs:local:000000000000:" + q.name + ".fifo",
			Attributes: map[string]string{
				"ApproximateReceiveCount": strconv.Itoa(m.receives),
				"MessageGroupId":          m.job.GroupID(),
				"MessageDeduplicationId":  m.job.DedupeID(),
			},
		})
	}
	res, err := q.consumer(ctx, ev)
	failed := map[string]bool{}
	if err != nil {
		// A handler error fails the whole batch, as in Lambda.
		q.log.ErrorContext(ctx, "local queue consumer failed", "queue", q.name, "err", err)
		for _, m := range batch {
			failed[m.id] = true
		}
	}
	for _, f := range res.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}

	q.mu.Lock()
	defer q.mu.Unlock()
	q.busy = false
	done := map[*localMessage]bool{}
	for _, m := range batch {
		switch {
		case !failed[m.id]:
			done[m] = true
		case m.receives >= q.maxReceives:
			done[m] = true
			q.dead = append(q.dead, m.job)
			q.log.WarnContext(ctx, "moved to dead-letter queue", "queue", q.name,
				"conversation_id", m.job.ConversationID, "message_id", m.job.MessageID, "receives", m.receives)
		default:
			delay := q.retryDelay
			if m.delay != nil {
				delay = *m.delay
			}
			m.visibleAt, m.delay = time.Now().Add(delay), nil
		}
	}
	kept := q.pending[:0]
	for _, m := range q.pending {
		if !done[m] {
			kept = append(kept, m)
		}
	}
	q.pending = kept
	return 0
}
