// Package ingest turns a verified, parsed customer message from any channel
// into a stored message in the right conversation, exactly once, and hands
// it to the router.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
)

// Store is what ingest needs of storage.
type Store interface {
	Identity(ctx context.Context, ch inbox.Channel, address string) (inbox.Identity, *inbox.Latest, error)
	SaveInbound(ctx context.Context, w inbox.InboundWrite) error
	Deduped(ctx context.Context, dedupeKey string) (conversationID, messageID string, err error)
}

// Publisher enqueues a job for the router.
type Publisher interface {
	Publish(ctx context.Context, j queue.Job) error
}

// maxAttempts bounds the read-decide-write loop; each conflict means
// another writer changed the same identity in between, which settles fast.
const maxAttempts = 5

// Service ingests inbound messages.
type Service struct {
	Store        Store
	Route        Publisher
	ReopenWindow time.Duration
	Now          func() time.Time
}

// Result says where a message went.
type Result struct {
	ConversationID string
	MessageID      string
	Placement      inbox.Placement
	// Duplicate is true when the message had been received before; the
	// ids are those of the first delivery.
	Duplicate bool
}

// Ingest stores an inbound message and enqueues it for routing. A message
// received twice is stored once; it is enqueued again anyway, because the
// first delivery may have stored it and then failed to enqueue, and the
// router does nothing for a message it already posted.
func (s *Service) Ingest(ctx context.Context, in inbox.Inbound) (Result, error) {
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = s.Now()
	}
	if in.ExternalID == "" {
		// Without a provider id nothing can recognise a retry; the
		// message's own fresh id keeps the dedupe record unique.
		in.ExternalID = inbox.NewID(in.ReceivedAt)
	}
	res, err := s.save(ctx, in)
	if err != nil {
		return Result{}, err
	}
	// A new or reopened conversation is triaged afresh. A duplicate's
	// placement is unknown and its first delivery may never have reached
	// the router, so it asks too; the router skips triage already done.
	job := queue.Job{ConversationID: res.ConversationID, MessageID: res.MessageID,
		Triage: res.Duplicate || res.Placement != inbox.Join}
	if err := s.Route.Publish(ctx, job); err != nil {
		return Result{}, fmt.Errorf("route message %s: %w", res.MessageID, err)
	}
	return res, nil
}

func (s *Service) save(ctx context.Context, in inbox.Inbound) (Result, error) {
	for attempt := 1; ; attempt++ {
		known, err := s.known(ctx, in)
		if err != nil {
			return Result{}, err
		}
		w := inbox.PlaceInbound(in, known, s.ReopenWindow)
		err = s.Store.SaveInbound(ctx, w)
		switch {
		case err == nil:
			return Result{ConversationID: w.Message.ConversationID, MessageID: w.Message.ID, Placement: w.Placement}, nil
		case errors.Is(err, inbox.ErrDuplicate):
			convID, msgID, err := s.Store.Deduped(ctx, w.DedupeKey)
			if err != nil {
				return Result{}, fmt.Errorf("look up first delivery of %s: %w", w.DedupeKey, err)
			}
			return Result{ConversationID: convID, MessageID: msgID, Duplicate: true}, nil
		case errors.Is(err, inbox.ErrConflict) && attempt < maxAttempts:
			continue
		default:
			return Result{}, fmt.Errorf("ingest %s message from %s: %w", in.Channel, in.Address, err)
		}
	}
}

func (s *Service) known(ctx context.Context, in inbox.Inbound) (inbox.Known, error) {
	ident, latest, err := s.Store.Identity(ctx, in.Channel, in.Address)
	switch {
	case err == nil:
		return inbox.Known{Identity: &ident, Latest: latest}, nil
	case !errors.Is(err, inbox.ErrNotFound):
		return inbox.Known{}, err
	}
	var known inbox.Known
	if in.Verified && in.Email != "" && in.Channel != inbox.ChannelEmail {
		owner, _, err := s.Store.Identity(ctx, inbox.ChannelEmail, in.Email)
		switch {
		case err == nil:
			known.EmailOwner = &owner
		case !errors.Is(err, inbox.ErrNotFound):
			return inbox.Known{}, err
		}
	}
	return known, nil
}
