package slackui

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// commentRunes bounds the comment quoted in Slack; the whole one stays in
// the rating item.
const commentRunes = 1000

// ratingLine says what the customer answered, in Switchboard's words but
// for the comment, which is escaped.
func ratingLine(r inbox.Rating) string {
	text := fmt.Sprintf("%s *%d/5*", stars(r.Score), r.Score)
	if r.PreviousScore > 0 && r.PreviousScore != r.Score {
		text += fmt.Sprintf(" (changed from %d/5)", r.PreviousScore)
	}
	if r.Comment != "" {
		text += "\n" + Quote(Escape(Truncate(r.Comment, commentRunes)))
	}
	return text
}

func stars(score int) string {
	if !inbox.ValidScore(score) {
		return ""
	}
	return strings.Repeat(":star:", score)
}

// PostRating shows the customer's rating of an interaction in its thread.
func (c *Client) PostRating(ctx context.Context, conv inbox.Conversation, r inbox.Rating) error {
	return c.PostNotice(ctx, conv, fmt.Sprintf(":bar_chart: *%s* rated this conversation on %s: %s", Escape(plainName(conv)), conv.Channel.Label(), ratingLine(r)))
}

// AlertLowRating tells the managers' channel about a rating of 1 or 2,
// with a link to the thread and the agents who replied.
func (c *Client) AlertLowRating(ctx context.Context, channel string, conv inbox.Conversation, r inbox.Rating) error {
	who := Escape(plainName(conv))
	text := fmt.Sprintf(":rotating_light: Low rating from *%s* on %s: %s", who, conv.Channel.Label(), ratingLine(r))
	if len(r.Agents) > 0 {
		mentions := make([]string, len(r.Agents))
		for i, a := range r.Agents {
			mentions[i] = "<@" + a.ID + ">"
		}
		text += "\nReplied: " + strings.Join(mentions, ", ")
	}
	if link := c.threadLink(ctx, conv); link != "" {
		text += fmt.Sprintf("\n<%s|Open the conversation>", link)
	}
	_, _, err := c.api.PostMessageContext(ctx, channel, slack.MsgOptionText(text, false), slack.MsgOptionDisableLinkUnfurl())
	if err != nil {
		return fmt.Errorf("alert managers to low rating of conversation %s: %w", conv.ID, check("chat.postMessage", err))
	}
	return nil
}

// surveySent tells the thread that the customer was asked to rate it.
func (c *Client) surveySent(ctx context.Context, conv inbox.Conversation) error {
	return c.PostNotice(ctx, conv, fmt.Sprintf(":incoming_envelope: Asked the customer to rate this conversation on %s.", conv.Channel.Label()))
}
