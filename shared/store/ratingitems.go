package store

import (
	"fmt"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// ratingItem is an interaction's rating, beside its conversation's
// messages. It has no TTL: ratings are the ground truth of the reports.
type ratingItem struct {
	PK             string
	SK             string
	Type           string      `dynamodbav:"type"`
	ConversationID string      `dynamodbav:"conversationId"`
	Interaction    int         `dynamodbav:"interaction"`
	CustomerID     string      `dynamodbav:"customerId"`
	Channel        string      `dynamodbav:"channel"`
	Address        string      `dynamodbav:"address"`
	Category       string      `dynamodbav:"category,omitempty"`
	Language       string      `dynamodbav:"language,omitempty"`
	Agents         []agentItem `dynamodbav:"agents,omitempty"`
	Status         string      `dynamodbav:"status"`
	SkipReason     string      `dynamodbav:"skipReason,omitempty"`
	// Score and comment are absent until given: RecordRating's condition
	// on the rating as read relies on it.
	Score         int    `dynamodbav:"score,omitempty"`
	PreviousScore int    `dynamodbav:"previousScore,omitempty"`
	Comment       string `dynamodbav:"comment,omitempty"`
	ResolvedAt    string `dynamodbav:"resolvedAt,omitempty"`
	RequestedAt   string `dynamodbav:"requestedAt,omitempty"`
	RatedAt       string `dynamodbav:"ratedAt,omitempty"`
	Until         string `dynamodbav:"until,omitempty"`
	Day           string `dynamodbav:"day"`
	MessageID     string `dynamodbav:"messageId,omitempty"`
	AnnouncedAt   string `dynamodbav:"announcedAt,omitempty"`
}

type agentItem struct {
	ID   string `dynamodbav:"id"`
	Name string `dynamodbav:"name,omitempty"`
}

func newRatingItem(r inbox.Rating) ratingItem {
	it := ratingItem{
		PK: convPK(r.ConversationID), SK: ratingSK(r.Interaction), Type: "rating",
		ConversationID: r.ConversationID, Interaction: r.Interaction, CustomerID: r.CustomerID,
		Channel: string(r.Channel), Address: r.Address, Category: r.Category, Language: r.Language,
		Status: string(r.Status), SkipReason: r.SkipReason, Score: r.Score, PreviousScore: r.PreviousScore,
		Comment: r.Comment, ResolvedAt: formatTime(r.ResolvedAt), RequestedAt: formatTime(r.RequestedAt),
		RatedAt: formatTime(r.RatedAt), Until: formatTime(r.Until), Day: r.Day, MessageID: r.MessageID,
		AnnouncedAt: formatTime(r.AnnouncedAt),
	}
	for _, a := range r.Agents {
		it.Agents = append(it.Agents, agentItem{ID: a.ID, Name: a.Name})
	}
	return it
}

func (it ratingItem) rating() inbox.Rating {
	r := inbox.Rating{
		ConversationID: it.ConversationID, Interaction: it.Interaction, CustomerID: it.CustomerID,
		Channel: inbox.Channel(it.Channel), Address: it.Address, Category: it.Category, Language: it.Language,
		Status: inbox.RatingStatus(it.Status), SkipReason: it.SkipReason, Score: it.Score, PreviousScore: it.PreviousScore,
		Comment: it.Comment, ResolvedAt: parseTime(it.ResolvedAt), RequestedAt: parseTime(it.RequestedAt),
		RatedAt: parseTime(it.RatedAt), Until: parseTime(it.Until), Day: it.Day, MessageID: it.MessageID,
		AnnouncedAt: parseTime(it.AnnouncedAt),
	}
	for _, a := range it.Agents {
		r.Agents = append(r.Agents, inbox.Agent{ID: a.ID, Name: a.Name})
	}
	return r
}

// surveyItem is a rating request's answers, stored on its message so the
// dispatcher sends them as they were written.
type surveyItem struct {
	Interaction   int                `dynamodbav:"interaction"`
	Options       []surveyOptionItem `dynamodbav:"options,omitempty"`
	ReplyHint     string             `dynamodbav:"replyHint,omitempty"`
	Choose        string             `dynamodbav:"choose,omitempty"`
	LinkHint      string             `dynamodbav:"linkHint,omitempty"`
	CommentPrompt string             `dynamodbav:"commentPrompt,omitempty"`
	Send          string             `dynamodbav:"send,omitempty"`
	Thanks        string             `dynamodbav:"thanks,omitempty"`
}

type surveyOptionItem struct {
	Score   int    `dynamodbav:"score"`
	Label   string `dynamodbav:"label,omitempty"`
	Payload string `dynamodbav:"payload,omitempty"`
	URL     string `dynamodbav:"url,omitempty"`
}

func newSurveyItem(sv *inbox.Survey) *surveyItem {
	if sv == nil {
		return nil
	}
	it := &surveyItem{
		Interaction: sv.Interaction, ReplyHint: sv.ReplyHint, Choose: sv.Choose, LinkHint: sv.LinkHint,
		CommentPrompt: sv.CommentPrompt, Send: sv.Send, Thanks: sv.Thanks,
	}
	for _, o := range sv.Options {
		it.Options = append(it.Options, surveyOptionItem{Score: o.Score, Label: o.Label, Payload: o.Payload, URL: o.URL})
	}
	return it
}

func (it *surveyItem) survey() *inbox.Survey {
	if it == nil {
		return nil
	}
	sv := &inbox.Survey{
		Interaction: it.Interaction, ReplyHint: it.ReplyHint, Choose: it.Choose, LinkHint: it.LinkHint,
		CommentPrompt: it.CommentPrompt, Send: it.Send, Thanks: it.Thanks,
	}
	for _, o := range it.Options {
		sv.Options = append(sv.Options, inbox.SurveyOption{Score: o.Score, Label: o.Label, Payload: o.Payload, URL: o.URL})
	}
	return sv
}

// interactionItem is a resolved interaction, beside the conversation's
// ratings: the rebuild of the counters reads resolutions from it.
type interactionItem struct {
	PK             string
	SK             string
	Type           string `dynamodbav:"type"`
	ConversationID string `dynamodbav:"conversationId"`
	Number         int    `dynamodbav:"number"`
	Start          string `dynamodbav:"start"`
	ResolvedAt     string `dynamodbav:"resolvedAt"`
	Channel        string `dynamodbav:"channel"`
	Category       string `dynamodbav:"category,omitempty"`
	AgentID        string `dynamodbav:"agentId,omitempty"`
	AgentName      string `dynamodbav:"agentName,omitempty"`
}

func interactionSK(n int) string { return fmt.Sprintf("INTER#%04d", n) }

func newInteractionItem(in inbox.Interaction) interactionItem {
	return interactionItem{
		PK: convPK(in.ConversationID), SK: interactionSK(in.Number), Type: "interaction",
		ConversationID: in.ConversationID, Number: in.Number, Start: formatTime(in.Start),
		ResolvedAt: formatTime(in.ResolvedAt), Channel: string(in.Channel), Category: in.Category,
		AgentID: in.AgentID, AgentName: in.AgentName,
	}
}

func (it interactionItem) interaction() inbox.Interaction {
	return inbox.Interaction{
		ConversationID: it.ConversationID, Number: it.Number, Start: parseTime(it.Start),
		ResolvedAt: parseTime(it.ResolvedAt), Channel: inbox.Channel(it.Channel), Category: it.Category,
		AgentID: it.AgentID, AgentName: it.AgentName,
	}
}
