package slackui

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/slack-go/slack"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Limits below Slack's own (3,000 characters for a section's text, 40,000
// for a message), leaving room for the labels around customer text.
const (
	cardExcerptRunes = 500
	messageRunes     = 2900
)

// Client posts conversations into Slack.
type Client struct {
	api *slack.Client
}

// New returns a client with the bot token. apiURL replaces
// https://slack.com/api/ when set (it keeps its trailing slash).
func New(token, apiURL string, httpClient *http.Client) *Client {
	opts := []slack.Option{slack.OptionHTTPClient(httpClient)}
	if apiURL != "" {
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	return &Client{api: slack.New(token, opts...)}
}

// PostConversation posts the card that roots a conversation's thread and
// returns its ts.
func (c *Client) PostConversation(ctx context.Context, channel string, conv inbox.Conversation, first inbox.Message) (string, error) {
	_, ts, err := c.api.PostMessageContext(ctx, channel,
		slack.MsgOptionText(cardFallback(conv, first), false),
		slack.MsgOptionBlocks(Card(conv, first)...),
		slack.MsgOptionDisableLinkUnfurl(),
	)
	if err != nil {
		return "", fmt.Errorf("post card of conversation %s to slack channel %s: %w", conv.ID, channel, err)
	}
	return ts, nil
}

// PostCustomerMessage posts a customer's message as a reply in the
// conversation's thread and returns its ts. The customer's name is in the
// text as well as the post's username, because the username only shows
// when the app has chat:write.customize.
func (c *Client) PostCustomerMessage(ctx context.Context, conv inbox.Conversation, m inbox.Message) (string, error) {
	name := customerName(conv, m)
	text := fmt.Sprintf("*%s* · %s\n%s", Escape(name), conv.Channel.Label(), Escape(Truncate(m.Text, messageRunes)))
	_, ts, err := c.api.PostMessageContext(ctx, conv.SlackChannel,
		slack.MsgOptionText(text, false),
		slack.MsgOptionTS(conv.SlackThreadTS),
		slack.MsgOptionUsername(Truncate(name+" ("+conv.Channel.Label()+")", 80)),
		slack.MsgOptionIconEmoji(":bust_in_silhouette:"),
		slack.MsgOptionDisableLinkUnfurl(),
	)
	if err != nil {
		return "", fmt.Errorf("post message %s to thread %s of conversation %s: %w", m.ID, conv.SlackThreadTS, conv.ID, err)
	}
	return ts, nil
}

// PostDeliveryFailure warns the thread that an agent's reply did not reach
// the customer, quoting the reply so the agent knows which one.
func (c *Client) PostDeliveryFailure(ctx context.Context, conv inbox.Conversation, m inbox.Message, reason string) error {
	text := fmt.Sprintf(":warning: This reply was *not delivered* to the customer: %s\n%s",
		Escape(reason), Quote(Escape(Truncate(m.Text, 300))))
	_, _, err := c.api.PostMessageContext(ctx, conv.SlackChannel,
		slack.MsgOptionText(text, false),
		slack.MsgOptionTS(conv.SlackThreadTS),
		slack.MsgOptionDisableLinkUnfurl(),
	)
	if err != nil {
		return fmt.Errorf("post delivery failure of message %s to thread %s: %w", m.ID, conv.SlackThreadTS, err)
	}
	return nil
}

// UserName returns the name a Slack user goes by: display name, else real
// name, else handle.
func (c *Client) UserName(ctx context.Context, userID string) (string, error) {
	u, err := c.api.GetUserInfoContext(ctx, userID)
	if err != nil {
		return "", fmt.Errorf("get slack user %s: %w", userID, err)
	}
	for _, name := range []string{u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name} {
		if name != "" {
			return name, nil
		}
	}
	return userID, nil
}

func customerName(conv inbox.Conversation, m inbox.Message) string {
	for _, name := range []string{m.AuthorName, conv.CustomerName} {
		if n := strings.TrimSpace(name); n != "" {
			return n
		}
	}
	return "Visitor"
}

func cardFallback(conv inbox.Conversation, first inbox.Message) string {
	return fmt.Sprintf("New %s conversation from %s: %s", conv.Channel.Label(),
		Escape(customerName(conv, first)), Escape(Truncate(first.Text, 150)))
}

// Card is the Block Kit card at the root of a conversation's thread.
func Card(conv inbox.Conversation, first inbox.Message) []slack.Block {
	customer := "*Customer*\n" + Escape(customerName(conv, first))
	fields := []*slack.TextBlockObject{
		slack.NewTextBlockObject(slack.MarkdownType, customer, false, false),
		slack.NewTextBlockObject(slack.MarkdownType, "*Channel*\n"+conv.Channel.Label(), false, false),
		slack.NewTextBlockObject(slack.MarkdownType, "*Status*\n"+statusLabel(conv.Status), false, false),
	}
	excerpt := "*First message*\n" + Quote(Escape(Truncate(first.Text, cardExcerptRunes)))
	opened := fmt.Sprintf("<!date^%d^Opened {date_short_pretty} at {time}|Opened %s>",
		conv.OpenedAt.Unix(), conv.OpenedAt.UTC().Format("2006-01-02 15:04 UTC"))
	return []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "New "+conv.Channel.Label()+" conversation", false, false)),
		slack.NewSectionBlock(nil, fields, nil),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, excerpt, false, true), nil, nil),
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
			opened+" · conversation `"+conv.ID+"` · reply in this thread to answer the customer", false, false)),
	}
}

func statusLabel(s inbox.Status) string {
	switch s {
	case inbox.StatusResolved:
		return ":white_check_mark: Resolved"
	case inbox.StatusPending:
		return ":hourglass: Pending"
	case inbox.StatusSnoozed:
		return ":zzz: Snoozed"
	default:
		return ":large_green_circle: Open"
	}
}
