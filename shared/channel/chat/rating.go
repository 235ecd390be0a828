package chat

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Ratings records a customer's answer to a rating request. It reports
// false when no open request takes the answer: none was made, it closed,
// or it belongs to another address.
type Ratings interface {
	Answer(ctx context.Context, ch inbox.Channel, address string, a inbox.SurveyAnswer) (bool, error)
}

// SurveyView is a rating request as the widget shows it: the message's
// text is the question. It carries no links or payloads: the widget
// answers through POST /chat/rating.
type SurveyView struct {
	Interaction   int                `json:"interaction"`
	Options       []SurveyOptionView `json:"options"`
	CommentPrompt string             `json:"comment_prompt"`
	Send          string             `json:"send"`
	Thanks        string             `json:"thanks"`
}

// SurveyOptionView is one score the widget offers.
type SurveyOptionView struct {
	Score int    `json:"score"`
	Label string `json:"label"`
}

// RatingRequest is the body of POST /chat/rating.
type RatingRequest struct {
	VisitorID      string `json:"visitor_id"`
	UserID         string `json:"user_id,omitempty"`
	UserHash       string `json:"user_hash,omitempty"`
	ConversationID string `json:"conversation_id"`
	Interaction    int    `json:"interaction"`
	Score          int    `json:"score"`
	Comment        string `json:"comment,omitempty"`
}

// RatingResponse answers a recorded rating.
type RatingResponse struct {
	Rated int `json:"rated"`
}

func surveyView(s *inbox.Survey) *SurveyView {
	if s == nil {
		return nil
	}
	v := &SurveyView{
		Interaction: s.Interaction, Options: make([]SurveyOptionView, 0, len(s.Options)),
		CommentPrompt: s.CommentPrompt, Send: s.Send, Thanks: s.Thanks,
	}
	for _, o := range s.Options {
		v.Options = append(v.Options, SurveyOptionView{Score: o.Score, Label: o.Label})
	}
	return v
}

func (h *Handler) rate(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	req, err := parseRating(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	address, _, err := h.address(req.VisitorID, req.UserID, req.UserHash)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	answer := inbox.SurveyAnswer{
		ConversationID: req.ConversationID, Interaction: req.Interaction, Score: req.Score, Comment: req.Comment,
	}
	ok, err := h.Ratings.Answer(r.Context(), inbox.ChannelChat, address, answer)
	if err != nil {
		h.fail(w, r, err, "conversation_id", req.ConversationID)
		return
	}
	if !ok {
		writeError(w, http.StatusGone, "this rating is closed")
		return
	}
	writeJSON(w, http.StatusOK, RatingResponse{Rated: req.Score})
}

// parseRating validates a visitor's rating. Whatever a visitor sends, it
// returns a valid request or a 400 requestError (FuzzParseRating holds it
// to that).
func parseRating(body []byte) (RatingRequest, error) {
	// Interaction is a pointer here so that leaving it out is an error
	// rather than a rating of the first interaction.
	var raw struct {
		RatingRequest
		Interaction *int `json:"interaction"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return RatingRequest{}, bad(http.StatusBadRequest, "body is not valid JSON: "+err.Error())
	}
	req := raw.RatingRequest
	req.Comment = strings.TrimSpace(req.Comment)
	switch {
	case !visitorIDPattern.MatchString(req.VisitorID):
		return RatingRequest{}, bad(http.StatusBadRequest, "visitor_id must be 16 to 64 letters, digits, - or _")
	case !validID(req.ConversationID):
		return RatingRequest{}, bad(http.StatusBadRequest, "conversation_id is not a conversation id")
	case raw.Interaction == nil || *raw.Interaction < 0 || *raw.Interaction > inbox.MaxInteraction:
		return RatingRequest{}, bad(http.StatusBadRequest, "interaction must be a number from 0 to 9999")
	case !inbox.ValidScore(req.Score):
		return RatingRequest{}, bad(http.StatusBadRequest, "score must be a whole number from 1 to 5")
	case !utf8.ValidString(req.Comment):
		return RatingRequest{}, bad(http.StatusBadRequest, "comment is not valid UTF-8")
	case utf8.RuneCountInString(req.Comment) > inbox.MaxCommentRunes:
		return RatingRequest{}, bad(http.StatusBadRequest, "comment too long (1000 characters at most)")
	case req.UserID != "" && !userIDPattern.MatchString(req.UserID):
		return RatingRequest{}, bad(http.StatusBadRequest, "user_id must be 1 to 128 printable characters")
	}
	req.Interaction = *raw.Interaction
	return req, nil
}
