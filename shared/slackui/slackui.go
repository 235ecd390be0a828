package slackui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/slackapp"
)

// Limits below Slack's own (3,000 characters for a section's text, 40,000
// for a message), leaving room for the labels around customer text.
const (
	cardExcerptRunes = 500
	messageRunes     = 2900
)

// ReactionDelivered marks an agent's reply that reached the customer.
const ReactionDelivered = "heavy_check_mark"

// ReactionRead marks an agent's reply the customer's app reported read.
const ReactionRead = "eyes"

// Client posts conversations into Slack.
type Client struct {
	api *slack.Client
	// NotePrefix is shown on cards so agents know how to write a note.
	NotePrefix string
	// MediaURL links an attachment for agents; nil or "" lists it unlinked.
	MediaURL func(inbox.Attachment) string

	teamURLMu sync.Mutex
	teamURL   string
}

// New returns a client with the bot token. apiURL replaces
// https://slack.com/api/ when set (it keeps its trailing slash).
func New(token, apiURL string, httpClient *http.Client) *Client {
	opts := []slack.Option{slack.OptionHTTPClient(httpClient)}
	if apiURL != "" {
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	return &Client{api: slack.New(token, opts...), NotePrefix: inbox.DefaultNotePrefix}
}

// RateLimitedError is Slack's HTTP 429. RetryAfter is how long Slack asked
// callers to wait; the queues put the job back for that long.
type RateLimitedError struct {
	Method string
	Wait   time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("slack %s rate limited: retry after %s", e.Method, e.Wait)
}

// RetryAfter is how long to wait before trying again.
func (e *RateLimitedError) RetryAfter() time.Duration { return e.Wait }

// check turns slack-go's rate-limit error into RateLimitedError.
func check(method string, err error) error {
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) {
		return &RateLimitedError{Method: method, Wait: limited.RetryAfter}
	}
	return err
}

// PostConversation posts the card that roots a conversation's thread and
// returns its ts. mentions are user groups (an on-call rota) a routing rule
// pings; the card carries the ping, so it cannot be lost apart from the
// card.
func (c *Client) PostConversation(ctx context.Context, channel string, conv inbox.Conversation, p inbox.Profile, mentions []string) (string, error) {
	_, ts, err := c.api.PostMessageContext(ctx, channel,
		slack.MsgOptionText(cardFallback(conv, mentions), false),
		slack.MsgOptionBlocks(cardWithMentions(conv, p, c.NotePrefix, mentions)...),
		slack.MsgOptionDisableLinkUnfurl(),
	)
	if err != nil {
		return "", fmt.Errorf("post card of conversation %s to slack channel %s: %w", conv.ID, channel, check("chat.postMessage", err))
	}
	return ts, nil
}

// UpdateCard redraws the card at the root of the conversation's thread.
// Slack does not notify mentions again on an update.
func (c *Client) UpdateCard(ctx context.Context, conv inbox.Conversation, p inbox.Profile, mentions []string) error {
	_, _, _, err := c.api.UpdateMessageContext(ctx, conv.SlackChannel, conv.SlackThreadTS,
		slack.MsgOptionText(cardFallback(conv, mentions), false),
		slack.MsgOptionBlocks(cardWithMentions(conv, p, c.NotePrefix, mentions)...),
	)
	if err != nil {
		return fmt.Errorf("update card of conversation %s: %w", conv.ID, check("chat.update", err))
	}
	return nil
}

func mentionLine(mentions []string) string {
	if len(mentions) == 0 {
		return ""
	}
	line := ""
	for _, group := range mentions {
		line += "<!subteam^" + group + "> "
	}
	return line + ":rotating_light: this conversation matches your routing rule"
}

func cardWithMentions(conv inbox.Conversation, p inbox.Profile, notePrefix string, mentions []string) []slack.Block {
	blocks := Card(conv, p, notePrefix)
	if line := mentionLine(mentions); line != "" {
		blocks = append(blocks[:1:1], append([]slack.Block{slack.NewSectionBlock(md(line), nil, nil)}, blocks[1:]...)...)
	}
	return blocks
}

// PostCustomerMessage posts a customer's message as a reply in the
// conversation's thread and returns its ts. The customer's name is in the
// text as well as the post's username, because the username only shows
// when the app has chat:write.customize.
func (c *Client) PostCustomerMessage(ctx context.Context, conv inbox.Conversation, m inbox.Message) (string, error) {
	name := customerName(conv, m)
	text := fmt.Sprintf("*%s* · %s\n%s", Escape(name), conv.Channel.Label(), Escape(Truncate(m.Text, messageRunes)))
	if files := c.attachmentLines(m.Attachments); files != "" {
		text += "\n" + files
	}
	_, ts, err := c.api.PostMessageContext(ctx, conv.SlackChannel,
		slack.MsgOptionText(text, false),
		slack.MsgOptionTS(conv.SlackThreadTS),
		slack.MsgOptionUsername(Truncate(name+" ("+conv.Channel.Label()+")", 80)),
		slack.MsgOptionIconEmoji(":bust_in_silhouette:"),
		slack.MsgOptionDisableLinkUnfurl(),
	)
	if err != nil {
		return "", fmt.Errorf("post message %s to thread %s of conversation %s: %w", m.ID, conv.SlackThreadTS, conv.ID, check("chat.postMessage", err))
	}
	return ts, nil
}

// PostNotice posts a line of Switchboard's own (never customer text) into
// the conversation's thread.
func (c *Client) PostNotice(ctx context.Context, conv inbox.Conversation, text string) error {
	_, _, err := c.api.PostMessageContext(ctx, conv.SlackChannel,
		slack.MsgOptionText(text, false),
		slack.MsgOptionTS(conv.SlackThreadTS),
		slack.MsgOptionDisableLinkUnfurl(),
	)
	if err != nil {
		return fmt.Errorf("post notice to thread %s of conversation %s: %w", conv.SlackThreadTS, conv.ID, check("chat.postMessage", err))
	}
	return nil
}

// PostAgentReply shows in the thread a reply an agent wrote outside it
// (in the suggested-reply modal) and returns its ts, so the thread stays
// the whole record and the delivery mark has a message to go on.
func (c *Client) PostAgentReply(ctx context.Context, conv inbox.Conversation, m inbox.Message) (string, error) {
	what := "replied (from the suggested reply)"
	if m.Kind == inbox.KindNote {
		what = "wrote an internal note"
	}
	text := fmt.Sprintf("<@%s> %s:\n%s", m.AgentID, what, Quote(Escape(Truncate(m.Text, messageRunes))))
	_, ts, err := c.api.PostMessageContext(ctx, conv.SlackChannel,
		slack.MsgOptionText(text, false),
		slack.MsgOptionTS(conv.SlackThreadTS),
		slack.MsgOptionDisableLinkUnfurl(),
	)
	if err != nil {
		return "", fmt.Errorf("post agent reply to thread %s of conversation %s: %w", conv.SlackThreadTS, conv.ID, check("chat.postMessage", err))
	}
	return ts, nil
}

// PostDeliveryFailure warns the thread that an agent's reply did not reach
// the customer, quoting the reply so the agent knows which one.
func (c *Client) PostDeliveryFailure(ctx context.Context, conv inbox.Conversation, m inbox.Message, reason string) error {
	if m.Survey != nil {
		return c.PostNotice(ctx, conv, fmt.Sprintf(":warning: The rating request was *not delivered* to the customer: %s", Escape(reason)))
	}
	return c.PostNotice(ctx, conv, fmt.Sprintf(":warning: This reply was *not delivered* to the customer: %s\n%s",
		Escape(reason), Quote(Escape(Truncate(m.Text, 300)))))
}

// React adds a reaction to a message. One that is already there is fine,
// and so is a message deleted since: there is nothing left to mark, and
// retrying would only fill the dead-letter queue.
func (c *Client) React(ctx context.Context, channel, ts, name string) error {
	err := c.api.AddReactionContext(ctx, name, slack.NewRefToMessage(channel, ts))
	if err != nil && err.Error() != "already_reacted" && err.Error() != "message_not_found" {
		return fmt.Errorf("add reaction %s to %s: %w", name, ts, check("reactions.add", err))
	}
	return nil
}

// MarkDelivered marks an agent's reply in the thread as delivered; a
// rating request, which has no post of its own, is announced instead.
func (c *Client) MarkDelivered(ctx context.Context, conv inbox.Conversation, m inbox.Message) error {
	if m.Survey != nil {
		return c.surveySent(ctx, conv)
	}
	if m.SlackTS == "" {
		return nil
	}
	return c.React(ctx, conv.SlackChannel, m.SlackTS, ReactionDelivered)
}

// MarkRead marks an agent's reply in the thread as read by the customer.
func (c *Client) MarkRead(ctx context.Context, conv inbox.Conversation, m inbox.Message) error {
	if m.SlackTS == "" {
		return nil
	}
	return c.React(ctx, conv.SlackChannel, m.SlackTS, ReactionRead)
}

// OfferTemplate offers, under a reply the channel refused, to send the
// approved template instead, which the channel still takes.
func (c *Client) OfferTemplate(ctx context.Context, conv inbox.Conversation, m inbox.Message, template string) error {
	text := fmt.Sprintf("The customer can still be reached with the approved template *%s*; they answer, and the window opens again.", Escape(template))
	button := slack.NewButtonBlockElement(slackapp.ActionSendTemplate, template, slack.NewTextBlockObject(slack.PlainTextType, "Send the template", false, false))
	_, _, err := c.api.PostMessageContext(ctx, conv.SlackChannel,
		slack.MsgOptionText(text, false),
		slack.MsgOptionBlocks(
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
			slack.NewActionBlock(slackapp.ActionsBlockID(conv.ID), button),
		),
		slack.MsgOptionTS(conv.SlackThreadTS),
	)
	if err != nil {
		return fmt.Errorf("offer template in thread of conversation %s: %w", conv.ID, check("chat.postMessage", err))
	}
	return nil
}

// Ephemeral shows text to one user only, in a thread when threadTS is set.
func (c *Client) Ephemeral(ctx context.Context, channel, threadTS, user, text string) error {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	if _, err := c.api.PostEphemeralContext(ctx, channel, user, opts...); err != nil {
		return fmt.Errorf("post ephemeral message to %s: %w", user, check("chat.postEphemeral", err))
	}
	return nil
}

// UserName returns the name a Slack user goes by: display name, else real
// name, else handle.
func (c *Client) UserName(ctx context.Context, userID string) (string, error) {
	u, err := c.api.GetUserInfoContext(ctx, userID)
	if err != nil {
		return "", fmt.Errorf("get slack user %s: %w", userID, check("users.info", err))
	}
	for _, name := range []string{u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name} {
		if name != "" {
			return name, nil
		}
	}
	return userID, nil
}

// GroupMembers returns the user ids of a user group's members.
func (c *Client) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	users, err := c.api.GetUserGroupMembersContext(ctx, groupID)
	if err != nil {
		return nil, fmt.Errorf("list members of slack user group %s: %w", groupID, check("usergroups.users.list", err))
	}
	return users, nil
}

// threadLink is a link to a conversation's Slack thread, built from the
// workspace URL auth.test reports (asked until it answers, then kept).
func (c *Client) threadLink(ctx context.Context, conv inbox.Conversation) string {
	if conv.SlackThreadTS == "" {
		return ""
	}
	c.teamURLMu.Lock()
	if c.teamURL == "" {
		if res, err := c.api.AuthTestContext(ctx); err == nil {
			c.teamURL = strings.TrimSuffix(res.URL, "/")
		}
	}
	team := c.teamURL
	c.teamURLMu.Unlock()
	if team == "" {
		return ""
	}
	return team + "/archives/" + conv.SlackChannel + "/p" + strings.Replace(conv.SlackThreadTS, ".", "", 1)
}

func customerName(conv inbox.Conversation, m inbox.Message) string {
	for _, name := range []string{m.AuthorName, conv.CustomerName} {
		if n := strings.TrimSpace(name); n != "" {
			return n
		}
	}
	// A chat visitor's address is a random id; a phone number or an email
	// address says who wrote.
	if conv.Channel != inbox.ChannelChat && conv.Address != "" {
		return conv.Address
	}
	return "Visitor"
}

// cardFallback is the card's notification text; mentions must be in it to
// notify.
func cardFallback(conv inbox.Conversation, mentions []string) string {
	text := fmt.Sprintf("%s conversation from %s (%s): %s", conv.Channel.Label(),
		Escape(customerName(conv, inbox.Message{})), conv.Status, Escape(Truncate(conv.FirstMessageText, 150)))
	if line := mentionLine(mentions); line != "" {
		text = line + "\n" + text
	}
	return text
}
