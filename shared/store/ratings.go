package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// CreateSurvey writes a rating request in one transaction: the rating
// item (status requested), the request message, the customer's
// lastSurveyAt (the survey-fatigue guard), the pending request on the
// address when w.MarkPending, and csatRequests on the interaction's stat
// rows. It returns inbox.ErrDuplicate when the interaction already has a
// rating item (a retried request), inbox.ErrTooSoon when the customer was
// asked at or after w.NotAskedSince, inbox.ErrNotFound when the customer
// does not exist, and inbox.ErrConflict when the address's newest
// conversation is another one or a concurrent write got in the way.
func (s *Store) CreateSurvey(ctx context.Context, w inbox.SurveyWrite) error {
	r := w.Rating
	what := fmt.Sprintf("create rating request of conversation %s interaction %d", r.ConversationID, r.Interaction)
	if r.Status != inbox.RatingRequested {
		return fmt.Errorf("%s: status is %q, not %q", what, r.Status, inbox.RatingRequested)
	}
	if err := checkRating(r); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	rating, err := s.put(newRatingItem(r), "attribute_not_exists(PK)", nil)
	if err != nil {
		return fmt.Errorf("%s: build rating: %w", what, err)
	}
	msg, err := s.put(newMessageItem(w.Message), "attribute_not_exists(PK)", nil)
	if err != nil {
		return fmt.Errorf("%s: build message %s: %w", what, w.Message.ID, err)
	}
	cond := "attribute_exists(PK)"
	values := map[string]types.AttributeValue{":at": str(formatTime(r.RequestedAt))}
	if !w.NotAskedSince.IsZero() {
		cond += " AND (attribute_not_exists(lastSurveyAt) OR lastSurveyAt < :since)"
		values[":since"] = str(formatTime(w.NotAskedSince))
	}
	customer := withOldItem(s.update(customerPK(r.CustomerID), skCustomer, "SET lastSurveyAt = :at", cond, nil, values))
	items := []types.TransactWriteItem{rating, msg, customer}
	if w.MarkPending {
		items = append(items, s.update(identityPK(r.Channel, r.Address), skIdentity,
			"SET surveyConversationId = :conv, surveyInteraction = :i, surveyUntil = :until",
			"conversationId = :conv", nil,
			map[string]types.AttributeValue{
				":conv": str(r.ConversationID), ":i": num(int64(r.Interaction)), ":until": str(formatTime(r.Until)),
			}))
	}
	items = append(items, s.statAdds(r.Day, inbox.RatingRows(r), counter{inbox.CounterCSATRequests, 1})...)

	err = s.transact(ctx, "CreateSurvey", items)
	return transactErr(err, what, func(failed []bool) error {
		switch {
		case failedAt(failed, 0):
			// The interaction was asked before: a duplicate wins over
			// everything else, because retrying would only find it again.
			return inbox.ErrDuplicate
		case failedAt(failed, 2) && cancelledItem(err, 2) == nil:
			return fmt.Errorf("customer %s: %w", r.CustomerID, inbox.ErrNotFound)
		case failedAt(failed, 2):
			return inbox.ErrTooSoon
		}
		return inbox.ErrConflict
	})
}

// SkipSurvey records an interaction whose rating request was not sent
// (r.Status skipped, with its SkipReason) and counts it in csatSkipped,
// in one transaction; inbox.ErrDuplicate when the interaction already has
// a rating item.
func (s *Store) SkipSurvey(ctx context.Context, r inbox.Rating) error {
	what := fmt.Sprintf("skip rating request of conversation %s interaction %d", r.ConversationID, r.Interaction)
	if r.Status != inbox.RatingSkipped {
		return fmt.Errorf("%s: status is %q, not %q", what, r.Status, inbox.RatingSkipped)
	}
	if err := checkRating(r); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	rating, err := s.put(newRatingItem(r), "attribute_not_exists(PK)", nil)
	if err != nil {
		return fmt.Errorf("%s: build rating: %w", what, err)
	}
	items := append([]types.TransactWriteItem{rating},
		s.statAdds(r.Day, inbox.RatingRows(r), counter{inbox.CounterCSATSkipped, 1})...)
	err = s.transact(ctx, "SkipSurvey", items)
	return transactErr(err, what, func(failed []bool) error {
		if failedAt(failed, 0) {
			return inbox.ErrDuplicate
		}
		return inbox.ErrConflict
	})
}

// SurveyUndelivered records that the channel refused an interaction's
// request for good: the rating leaves csatRequests for csatUndelivered,
// in one transaction conditioned on the request still waiting (so a
// repeated failure counts once), and the customer, never reached, may be
// asked again at the next resolution. A rating no longer waiting is
// inbox.ErrConflict.
func (s *Store) SurveyUndelivered(ctx context.Context, conversationID string, interaction int) error {
	r, err := s.Rating(ctx, conversationID, interaction)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("mark rating request of conversation %s interaction %d undelivered", conversationID, interaction)
	if r.Status != inbox.RatingRequested {
		return fmt.Errorf("%s: %w", what, inbox.ErrConflict)
	}
	rating := s.update(convPK(conversationID), ratingSK(interaction), "SET #status = :undelivered", "#status = :requested",
		map[string]string{"#status": "status"}, map[string]types.AttributeValue{
			":undelivered": str(string(inbox.RatingUndelivered)), ":requested": str(string(inbox.RatingRequested)),
		})
	items := append([]types.TransactWriteItem{rating}, s.statAdds(r.Day, inbox.RatingRows(r),
		counter{inbox.CounterCSATRequests, -1}, counter{inbox.CounterCSATUndelivered, 1})...)
	err = s.transact(ctx, "SurveyUndelivered", items)
	if err := transactErr(err, what, func([]bool) error { return inbox.ErrConflict }); err != nil {
		return err
	}
	// Only if no later request asked the customer since.
	_, err = s.updateIf(ctx, "SurveyUndelivered", customerPK(r.CustomerID), skCustomer, "REMOVE lastSurveyAt",
		"lastSurveyAt = :asked", nil, map[string]types.AttributeValue{":asked": str(formatTime(r.RequestedAt))}, what)
	if errors.Is(err, inbox.ErrConflict) || errors.Is(err, inbox.ErrNotFound) {
		return nil
	}
	return err
}

// Rating returns the rating of one interaction of a conversation, or
// inbox.ErrNotFound.
func (s *Store) Rating(ctx context.Context, conversationID string, interaction int) (inbox.Rating, error) {
	what := fmt.Sprintf("get rating of conversation %s interaction %d", conversationID, interaction)
	if interaction < 0 || interaction > inbox.MaxInteraction {
		return inbox.Rating{}, fmt.Errorf("%s: %w", what, inbox.ErrNotFound)
	}
	var it ratingItem
	if err := s.get(ctx, convPK(conversationID), ratingSK(interaction), &it); err != nil {
		return inbox.Rating{}, fmt.Errorf("%s: %w", what, err)
	}
	return it.rating(), nil
}

// RecordRating stores a customer's answer to the rating r, as it was
// read, and returns the rating as now stored. In one transaction it
// updates the rating on the condition that it is still as read, the
// customer's last rating (the card shows it), and the interaction's stat
// rows: a first answer counts a rating and its score, a changed score
// moves the count from the old score to the new, and a changed comment
// alone changes no counter. inbox.ErrConflict means the rating changed
// since it was read: read again and retry. inbox.ErrNotFound means it
// does not exist.
func (s *Store) RecordRating(ctx context.Context, r inbox.Rating, score int, comment string, at time.Time) (inbox.Rating, error) {
	what := fmt.Sprintf("record rating of conversation %s interaction %d", r.ConversationID, r.Interaction)
	changing := r.Status == inbox.RatingRated
	switch {
	case !inbox.ValidScore(score):
		return inbox.Rating{}, fmt.Errorf("%s: score %d is off the scale", what, score)
	case r.Status != inbox.RatingRequested && !changing:
		return inbox.Rating{}, fmt.Errorf("%s: status %q takes no answer", what, r.Status)
	case changing && !inbox.ValidScore(r.Score):
		return inbox.Rating{}, fmt.Errorf("%s: rated with score %d, off the scale", what, r.Score)
	}
	if err := checkRating(r); err != nil {
		return inbox.Rating{}, fmt.Errorf("%s: %w", what, err)
	}
	rating := withOldItem(s.ratingAnswer(r, score, comment, at))
	customer := withOldItem(s.update(customerPK(r.CustomerID), skCustomer,
		"SET lastCsat = :score, lastCsatAt = :at", "attribute_exists(PK)", nil,
		map[string]types.AttributeValue{":score": num(int64(score)), ":at": str(formatTime(at))}))
	items := []types.TransactWriteItem{rating, customer}
	switch {
	case !changing:
		items = append(items, s.statAdds(r.Day, inbox.RatingRows(r),
			counter{inbox.CounterCSATRatings, 1}, counter{inbox.CounterCSATScore(score), 1})...)
	case r.Score != score:
		items = append(items, s.statAdds(r.Day, inbox.RatingRows(r),
			counter{inbox.CounterCSATScore(r.Score), -1}, counter{inbox.CounterCSATScore(score), 1})...)
	}

	err := s.transact(ctx, "RecordRating", items)
	if err := transactErr(err, what, func(failed []bool) error {
		switch {
		case failedAt(failed, 0) && cancelledItem(err, 0) == nil:
			return inbox.ErrNotFound
		case failedAt(failed, 1) && cancelledItem(err, 1) == nil:
			return fmt.Errorf("customer %s: %w", r.CustomerID, inbox.ErrNotFound)
		}
		return inbox.ErrConflict
	}); err != nil {
		return inbox.Rating{}, err
	}
	out := r
	out.Status, out.Score, out.Comment, out.RatedAt = inbox.RatingRated, score, comment, parseTime(formatTime(at))
	if changing && r.Score != score {
		out.PreviousScore = r.Score
	}
	return out, nil
}

// MarkRatingAnnounced records that the answer of r (its RatedAt) was shown
// in Slack, so a redelivered job shows it once. It never goes back to an
// older answer: marking an answer already marked, or older than the one
// marked, is inbox.ErrConflict.
func (s *Store) MarkRatingAnnounced(ctx context.Context, r inbox.Rating) error {
	what := fmt.Sprintf("mark rating of conversation %s interaction %d announced", r.ConversationID, r.Interaction)
	if r.Interaction < 0 || r.Interaction > inbox.MaxInteraction {
		return fmt.Errorf("%s: %w", what, inbox.ErrNotFound)
	}
	_, err := s.updateIf(ctx, "MarkRatingAnnounced", convPK(r.ConversationID), ratingSK(r.Interaction),
		"SET announcedAt = :at", "attribute_exists(PK) AND (attribute_not_exists(announcedAt) OR announcedAt < :at)", nil,
		map[string]types.AttributeValue{":at": str(formatTime(r.RatedAt))}, what)
	return err
}

// ratingAnswer is the update of a rating item by an answer, conditioned
// on the rating being as read: status, score and comment, the attributes
// an answer changes.
func (s *Store) ratingAnswer(r inbox.Rating, score int, comment string, at time.Time) types.TransactWriteItem {
	names := map[string]string{"#status": "status", "#comment": "comment"}
	values := map[string]types.AttributeValue{
		":rated": str(string(inbox.RatingRated)), ":score": num(int64(score)), ":at": str(formatTime(at)),
		":oldStatus": str(string(r.Status)),
	}
	expr := "SET #status = :rated, score = :score, ratedAt = :at"
	// A new comment on the same score changes no score: the previous one
	// stays what it was.
	if r.Status == inbox.RatingRated && r.Score != score {
		expr += ", previousScore = :previous"
		values[":previous"] = num(int64(r.Score))
	}
	if comment != "" {
		expr += ", #comment = :comment"
		values[":comment"] = str(comment)
	} else {
		expr += " REMOVE #comment"
	}
	cond := "#status = :oldStatus"
	if r.Score == 0 {
		cond += " AND attribute_not_exists(score)"
	} else {
		cond += " AND score = :oldScore"
		values[":oldScore"] = num(int64(r.Score))
	}
	if r.Comment == "" {
		cond += " AND attribute_not_exists(#comment)"
	} else {
		cond += " AND #comment = :oldComment"
		values[":oldComment"] = str(r.Comment)
	}
	return s.update(convPK(r.ConversationID), ratingSK(r.Interaction), expr, cond, names, values)
}

// checkRating refuses a rating whose keys could not be built: its
// interaction must fit the sort key's width and its day name a month
// partition. The agent bound keeps a transaction within DynamoDB's limit.
func checkRating(r inbox.Rating) error {
	switch {
	case r.ConversationID == "":
		return errors.New("no conversation")
	case r.Interaction < 0 || r.Interaction > inbox.MaxInteraction:
		return fmt.Errorf("interaction %d outside 0 to %d", r.Interaction, inbox.MaxInteraction)
	case !validDay(r.Day):
		return fmt.Errorf("day %q is not YYYY-MM-DD", r.Day)
	case len(r.Agents) > inbox.MaxRatedAgents:
		return fmt.Errorf("%d agents, more than %d", len(r.Agents), inbox.MaxRatedAgents)
	}
	return nil
}
