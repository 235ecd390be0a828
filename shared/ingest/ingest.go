// Package ingest turns a verified, parsed customer message from any channel
// into a stored message in the right conversation, exactly once, and hands
// it to the router.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
)

// Store is what ingest needs of storage.
type Store interface {
	Identity(ctx context.Context, ch inbox.Channel, address string) (inbox.Identity, *inbox.Latest, error)
	SaveInbound(ctx context.Context, w inbox.InboundWrite) error
	Deduped(ctx context.Context, dedupeKey string) (conversationID, messageID string, err error)
	Conversation(ctx context.Context, id string) (inbox.Conversation, error)
}

// Publisher enqueues a job for the router.
type Publisher interface {
	Publish(ctx context.Context, j queue.Job) error
}

// Ratings records answers to rating requests.
type Ratings interface {
	Answer(ctx context.Context, ch inbox.Channel, address string, a inbox.SurveyAnswer) (bool, error)
}

// maxAttempts bounds the read-decide-write loop; each conflict means
// another writer changed the same identity in between, which settles fast.
const maxAttempts = 5

// Service ingests inbound messages.
type Service struct {
	Store        Store
	Route        Publisher
	ReopenWindow time.Duration
	// MergeByPhone makes the same phone number on SMS and WhatsApp one
	// customer.
	MergeByPhone bool
	// Ratings, when set, takes answers to rating requests before they
	// become messages.
	Ratings Ratings
	Now     func() time.Time
}

// Result says where a message went.
type Result struct {
	ConversationID string
	MessageID      string
	Placement      inbox.Placement
	// Duplicate is true when the message had been received before; the
	// ids are those of the first delivery.
	Duplicate bool
	// Rated is true when the message was an answer to a rating request,
	// recorded as the rating and not stored as a message.
	Rated bool
}

// Ingest stores an inbound message and enqueues it for routing. A message
// received twice is stored once; it is enqueued again anyway, because the
// first delivery may have stored it and then failed to enqueue, and the
// router does nothing for a message it already posted.
func (s *Service) Ingest(ctx context.Context, in inbox.Inbound) (Result, error) {
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = s.Now()
	}
	if rated, err := s.answer(ctx, in); err != nil || rated {
		return Result{Rated: rated}, err
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

// digitChannels are where a customer answers a rating request by typing
// a digit: email has links and web chat its own buttons.
var digitChannels = map[inbox.Channel]bool{
	inbox.ChannelSMS: true, inbox.ChannelWhatsApp: true, inbox.ChannelMessenger: true,
	inbox.ChannelInstagram: true, inbox.ChannelTelegram: true,
}

// answer offers a message that answers a rating request to Ratings: a
// survey button, or a lone digit with nothing attached. It reports
// whether the answer was recorded instead of the message.
func (s *Service) answer(ctx context.Context, in inbox.Inbound) (bool, error) {
	if s.Ratings == nil {
		return false, nil
	}
	a := in.Answer
	if a == nil && digitChannels[in.Channel] && len(in.Attachments) == 0 {
		if score, ok := inbox.ScoreReply(in.Text); ok {
			a = &inbox.SurveyAnswer{Score: score}
		}
	}
	if a == nil {
		return false, nil
	}
	rated, err := s.Ratings.Answer(ctx, in.Channel, in.Address, *a)
	if err != nil {
		return false, fmt.Errorf("ingest %s rating from %s: %w", in.Channel, in.Address, err)
	}
	return rated, nil
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
		known := inbox.Known{Identity: &ident, Latest: latest}
		if in.Threaded {
			known.Thread, err = s.thread(ctx, in, ident.CustomerID)
		}
		return known, err
	case !errors.Is(err, inbox.ErrNotFound):
		return inbox.Known{}, err
	}
	for _, link := range s.links(in) {
		owner, _, err := s.Store.Identity(ctx, link.Channel, link.Address)
		switch {
		case err == nil:
			return inbox.Known{Owner: &owner}, nil
		case !errors.Is(err, inbox.ErrNotFound):
			return inbox.Known{}, err
		}
	}
	return inbox.Known{}, nil
}

// links lists the known addresses a new address may join, most trusted
// first: what the channel proved, a verified email, then the same
// verified phone number on another channel when the operator merges by
// phone.
func (s *Service) links(in inbox.Inbound) []inbox.Identity {
	links := in.Links
	if in.Verified && in.Email != "" && in.Channel != inbox.ChannelEmail {
		links = append(links, inbox.Identity{Channel: inbox.ChannelEmail, Address: in.Email})
	}
	// Only a number the channel proved (WhatsApp) joins another channel's
	// customer: an SMS caller id can be spoofed.
	if s.MergeByPhone && in.Verified && slices.Contains(inbox.PhoneChannels, in.Channel) {
		for _, ch := range inbox.PhoneChannels {
			if ch != in.Channel {
				links = append(links, inbox.Identity{Channel: ch, Address: in.Address})
			}
		}
	}
	return links
}

// thread finds the conversation a threaded message replies to. Only the
// sender's own conversations count: a forwarded mail's headers must not
// slip a stranger into someone else's thread.
func (s *Service) thread(ctx context.Context, in inbox.Inbound, customerID string) (*inbox.Latest, error) {
	candidates := make([]string, 0, 1+len(in.References))
	if in.ConversationID != "" {
		candidates = append(candidates, in.ConversationID)
	}
	for _, ref := range in.References {
		convID, _, err := s.Store.Deduped(ctx, inbox.DedupeKey(in.Channel, ref))
		switch {
		case err == nil:
			candidates = append(candidates, convID)
		case !errors.Is(err, inbox.ErrNotFound):
			return nil, fmt.Errorf("look up reference %s: %w", ref, err)
		}
	}
	for _, id := range candidates {
		conv, err := s.Store.Conversation(ctx, id)
		switch {
		case errors.Is(err, inbox.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		}
		if conv.CustomerID == customerID && conv.Channel == in.Channel {
			return &inbox.Latest{ConversationID: conv.ID, Status: conv.Status, ResolvedAt: conv.ResolvedAt}, nil
		}
	}
	return nil, nil
}
