// Package csat asks customers to rate each resolved interaction on the
// channel they used, and records their answers: from a button or a typed
// digit on messaging channels, the widget on web chat, or the rating page
// that email links open. Every answer is stored against its interaction
// with per-day counters (store.RecordRating), so the reports never scan.
package csat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strconv"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
)

// Store is what ratings need of storage.
type Store interface {
	Conversation(ctx context.Context, id string) (inbox.Conversation, error)
	Message(ctx context.Context, conversationID, messageID string) (inbox.Message, error)
	Messages(ctx context.Context, conversationID, afterID string) ([]inbox.Message, error)
	Identity(ctx context.Context, ch inbox.Channel, address string) (inbox.Identity, *inbox.Latest, error)
	CreateSurvey(ctx context.Context, w inbox.SurveyWrite) error
	SkipSurvey(ctx context.Context, r inbox.Rating) error
	Rating(ctx context.Context, conversationID string, interaction int) (inbox.Rating, error)
	RecordRating(ctx context.Context, r inbox.Rating, score int, comment string, at time.Time) (inbox.Rating, error)
}

// Publisher enqueues a job: the request's delivery, or the router's post
// of an answer into the thread.
type Publisher interface {
	Publish(ctx context.Context, j queue.Job) error
}

// Service requests and records ratings.
type Service struct {
	Store   Store
	Deliver Publisher
	Route   Publisher
	// Secret signs rating links (CSAT_SECRET); BaseURL is the public URL
	// of the HTTP API they point to.
	Secret  string
	BaseURL string
	Fatigue time.Duration
	Window  time.Duration
	// Location is the team's time zone, whose days the counters count.
	Location *time.Location
	Log      *slog.Logger
	Now      func() time.Time
}

// attempts bounds the read-decide-write loops; a conflict means another
// writer changed the same items in between, which settles fast.
const attempts = 3

// Request asks the customer to rate the conversation's interaction that
// was just resolved, once: a repeated request (a retried Slack action, a
// redelivered job) finds the interaction's rating item and only queues its
// message again, which the dispatcher sends at most once. No request goes
// out when no agent replied in the interaction, when the conversation was
// reopened since, or when the customer was asked within Fatigue (then the
// skip is counted).
func (s *Service) Request(ctx context.Context, conversationID string) error {
	for try := 1; ; try++ {
		err := s.request(ctx, conversationID)
		if !errors.Is(err, inbox.ErrConflict) || try == attempts {
			return err
		}
		backoff(ctx, try)
	}
}

// backoff waits a little, more with each try, before a write that lost a
// race is tried again: every rating of a day adds to the same counter
// rows, so concurrent transactions on them cancel each other.
func backoff(ctx context.Context, try int) {
	t := time.NewTimer(time.Duration(try*10+rand.IntN(20)) * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (s *Service) request(ctx context.Context, conversationID string) error {
	conv, err := s.Store.Conversation(ctx, conversationID)
	if err != nil {
		return fmt.Errorf("request rating: %w", err)
	}
	if conv.Status != inbox.StatusResolved {
		return nil
	}
	existing, err := s.Store.Rating(ctx, conv.ID, conv.ReopenCount)
	switch {
	case err == nil:
		return s.requeue(ctx, existing)
	case !errors.Is(err, inbox.ErrNotFound):
		return fmt.Errorf("request rating: %w", err)
	}
	msgs, err := s.Store.Messages(ctx, conv.ID, inbox.FloorID(conv.InteractionStart()))
	if err != nil {
		return fmt.Errorf("request rating: %w", err)
	}
	agents := repliers(msgs)
	if len(agents) == 0 {
		s.Log.InfoContext(ctx, "no rating request: no agent replied in the interaction",
			"conversation_id", conv.ID, "interaction", conv.ReopenCount)
		return nil
	}
	w := s.survey(conv, agents)
	_, latest, err := s.Store.Identity(ctx, conv.Channel, conv.Address)
	if err != nil && !errors.Is(err, inbox.ErrNotFound) {
		return fmt.Errorf("request rating: %w", err)
	}
	w.MarkPending = latest != nil && latest.ConversationID == conv.ID
	err = s.Store.CreateSurvey(ctx, w)
	switch {
	case err == nil:
		return s.requeue(ctx, w.Rating)
	case errors.Is(err, inbox.ErrDuplicate):
		existing, err := s.Store.Rating(ctx, conv.ID, conv.ReopenCount)
		if err != nil {
			return fmt.Errorf("request rating: %w", err)
		}
		return s.requeue(ctx, existing)
	case errors.Is(err, inbox.ErrTooSoon):
		skipped := w.Rating
		skipped.Status, skipped.SkipReason, skipped.MessageID = inbox.RatingSkipped, inbox.SkipFatigue, ""
		if err := s.Store.SkipSurvey(ctx, skipped); err != nil && !errors.Is(err, inbox.ErrDuplicate) {
			return fmt.Errorf("request rating: %w", err)
		}
		s.Log.InfoContext(ctx, "no rating request: customer asked recently",
			"conversation_id", conv.ID, "interaction", conv.ReopenCount, "customer_id", conv.CustomerID)
		return nil
	default:
		return fmt.Errorf("request rating: %w", err)
	}
}

// requeue queues a request's message for delivery while it waits to be
// sent: the first attempt may have written it and failed to queue it. The
// dispatcher claims a message before sending, so this never sends twice;
// a message already settled is left alone, or its delivery would be
// announced in the thread again.
func (s *Service) requeue(ctx context.Context, r inbox.Rating) error {
	if r.Status == inbox.RatingSkipped || r.MessageID == "" {
		return nil
	}
	m, err := s.Store.Message(ctx, r.ConversationID, r.MessageID)
	if err != nil {
		return fmt.Errorf("queue rating request: %w", err)
	}
	if m.Delivery.Settled() {
		return nil
	}
	j := queue.Job{ConversationID: r.ConversationID, MessageID: r.MessageID}
	if err := s.Deliver.Publish(ctx, j); err != nil {
		return fmt.Errorf("queue rating request %s: %w", r.MessageID, err)
	}
	return nil
}

// repliers are the agents who sent a public reply in the interaction, in
// the order they first replied. A reply still on its way counts: agents
// resolve right after replying, and the request, queued behind the reply
// in the conversation's FIFO group, reaches the customer after it. Failed
// and withdrawn replies answered nothing.
func repliers(msgs []inbox.Message) []inbox.Agent {
	var agents []inbox.Agent
	seen := map[string]bool{}
	for _, m := range msgs {
		answered := m.Delivery == inbox.DeliveryQueued || m.Delivery == inbox.DeliverySending || m.Delivery == inbox.DeliverySent
		if m.Author != inbox.AuthorAgent || m.Kind != inbox.KindPublic || !answered || seen[m.AgentID] {
			continue
		}
		seen[m.AgentID] = true
		if len(agents) < inbox.MaxRatedAgents {
			agents = append(agents, inbox.Agent{ID: m.AgentID, Name: m.AgentName})
		}
	}
	return agents
}

// survey builds the rating item and the request message of the
// conversation's current interaction.
func (s *Service) survey(conv inbox.Conversation, agents []inbox.Agent) inbox.SurveyWrite {
	now := s.Now()
	lang := DefaultLanguage
	category := inbox.CategoryOther
	if conv.Triage != nil {
		lang = language(conv.Triage.Language)
		if conv.Triage.Category != "" {
			category = conv.Triage.Category
		}
	}
	n := conv.ReopenCount
	r := inbox.Rating{
		ConversationID: conv.ID, Interaction: n, CustomerID: conv.CustomerID,
		Channel: conv.Channel, Address: conv.Address, Category: category, Language: lang, Agents: agents,
		Status: inbox.RatingRequested, ResolvedAt: conv.ResolvedAt, RequestedAt: now,
		Until: now.Add(s.window()), Day: inbox.Day(conv.ResolvedAt, s.Location), MessageID: inbox.NewID(now),
	}
	t := textsFor(lang)
	sv := &inbox.Survey{
		Interaction: n, ReplyHint: t.ReplyHint, Choose: t.Choose, LinkHint: t.LinkHint,
		CommentPrompt: t.CommentPrompt, Send: t.Send, Thanks: t.Thanks,
	}
	token := Token(s.Secret, conv.ID, n, r.Until)
	for score := inbox.MinScore; score <= inbox.MaxScore; score++ {
		sv.Options = append(sv.Options, inbox.SurveyOption{
			Score: score, Label: t.Labels[score-1],
			Payload: inbox.SurveyPayload(conv.ID, n, score),
			URL:     s.BaseURL + "/csat/" + url.PathEscape(token) + "?score=" + strconv.Itoa(score),
		})
	}
	m := inbox.Message{
		ID: r.MessageID, ConversationID: conv.ID, Direction: inbox.DirectionOut, Author: inbox.AuthorBot,
		Kind: inbox.KindPublic, Text: t.Question, CreatedAt: now, Delivery: inbox.DeliveryQueued, Survey: sv,
	}
	w := inbox.SurveyWrite{Rating: r, Message: m}
	if s.Fatigue > 0 {
		w.NotAskedSince = now.Add(-s.Fatigue)
	}
	return w
}

func (s *Service) window() time.Duration {
	if s.Window <= 0 {
		return inbox.DefaultRatingWindow
	}
	return s.Window
}

// Answer records a customer's answer from a channel: a button that names
// its interaction, or a bare digit that answers the request pending on the
// address. It reports false, recording nothing, when no open request of
// this customer takes the answer (closed, someone else's, never made); the
// caller then keeps the message as an ordinary one. Answering the same
// again (a redelivered webhook) changes nothing.
func (s *Service) Answer(ctx context.Context, ch inbox.Channel, address string, a inbox.SurveyAnswer) (bool, error) {
	if !inbox.ValidScore(a.Score) {
		return false, nil
	}
	ident, latest, err := s.Store.Identity(ctx, ch, address)
	if errors.Is(err, inbox.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("answer rating: %w", err)
	}
	now := s.Now()
	if a.ConversationID == "" {
		if latest == nil || latest.Survey == nil || !latest.Survey.Answers(*latest, now) {
			return false, nil
		}
		a.ConversationID, a.Interaction = latest.Survey.ConversationID, latest.Survey.Interaction
	}
	r, err := s.record(ctx, a, now, func(r inbox.Rating) bool { return r.CustomerID == ident.CustomerID })
	if errors.Is(err, errClosed) {
		s.Log.InfoContext(ctx, "rating answer not taken", "conversation_id", a.ConversationID,
			"interaction", a.Interaction, "channel", ch)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return r.Status == inbox.RatingRated, nil
}

// errClosed says no open request takes an answer.
var errClosed = errors.New("no open rating request")

// Lookup returns the interaction a rating link names, for the page.
func (s *Service) Lookup(ctx context.Context, token string) (inbox.Rating, error) {
	convID, n, err := ParseToken(s.Secret, token, s.Now())
	if err != nil {
		return inbox.Rating{}, err
	}
	r, err := s.Store.Rating(ctx, convID, n)
	if err != nil {
		return inbox.Rating{}, fmt.Errorf("look up rating: %w", err)
	}
	if !r.Open(s.Now()) {
		return r, ErrExpired
	}
	return r, nil
}

// RateByLink records an answer given on the rating page; the signed link
// is the customer's proof.
func (s *Service) RateByLink(ctx context.Context, token string, score int, comment string) (inbox.Rating, error) {
	now := s.Now()
	convID, n, err := ParseToken(s.Secret, token, now)
	if err != nil {
		return inbox.Rating{}, err
	}
	a := inbox.SurveyAnswer{ConversationID: convID, Interaction: n, Score: score, Comment: comment}
	r, err := s.record(ctx, a, now, func(inbox.Rating) bool { return true })
	if errors.Is(err, errClosed) {
		return r, ErrExpired
	}
	return r, err
}

// record stores an answer when the interaction's request is open and
// belongs to the answering customer, then has the router show it in the
// thread. An answer without a comment keeps the one given before.
func (s *Service) record(ctx context.Context, a inbox.SurveyAnswer, now time.Time, owns func(inbox.Rating) bool) (inbox.Rating, error) {
	for try := 1; ; try++ {
		r, err := s.Store.Rating(ctx, a.ConversationID, a.Interaction)
		if errors.Is(err, inbox.ErrNotFound) {
			return inbox.Rating{}, errClosed
		}
		if err != nil {
			return inbox.Rating{}, fmt.Errorf("record rating: %w", err)
		}
		if !owns(r) || !r.Open(now) {
			return r, errClosed
		}
		comment := a.Comment
		if comment == "" {
			comment = r.Comment
		}
		if r.Status == inbox.RatingRated && r.Score == a.Score && r.Comment == comment {
			return r, s.announce(ctx, r)
		}
		stored, err := s.Store.RecordRating(ctx, r, a.Score, comment, now)
		if errors.Is(err, inbox.ErrConflict) && try < attempts {
			backoff(ctx, try)
			continue
		}
		if err != nil {
			return inbox.Rating{}, fmt.Errorf("record rating: %w", err)
		}
		s.Log.InfoContext(ctx, "rating recorded", "conversation_id", r.ConversationID,
			"interaction", r.Interaction, "score", a.Score, "previous_score", r.Score)
		return stored, s.announce(ctx, stored)
	}
}

// announce has the router post the rating into the thread and redraw the
// card, whose customer line shows the last rating. The job is named by
// the answer's time, so the same answer is posted once.
func (s *Service) announce(ctx context.Context, r inbox.Rating) error {
	j := queue.Job{
		ConversationID: r.ConversationID, Rated: true, Interaction: r.Interaction, Card: true,
		ID: "rated#" + r.ConversationID + "#" + strconv.Itoa(r.Interaction) + "#" + strconv.FormatInt(r.RatedAt.UnixMilli(), 10),
	}
	if err := s.Route.Publish(ctx, j); err != nil {
		return fmt.Errorf("queue rating post of conversation %s: %w", r.ConversationID, err)
	}
	return nil
}
