package slackui

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/slackapp"
)

// replyModal is the modal that lets an agent edit triage's suggested reply
// before it is sent.
func replyModal(conv inbox.Conversation) slack.ModalViewRequest {
	draft := ""
	if conv.Triage != nil {
		draft = Truncate(conv.Triage.SuggestedReply, 2900)
	}
	input := slack.NewPlainTextInputBlockElement(plain("Your reply"), slackapp.ReplyAction)
	input.Multiline = true
	input.InitialValue = draft
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      slackapp.CallbackReply,
		PrivateMetadata: conv.ID,
		Title:           plain("Reply to customer"),
		Submit:          plain("Send"),
		Close:           plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewContextBlock("", md(fmt.Sprintf("Goes to *%s* on %s, like a reply in the thread. Check it before you send: it was drafted by triage.",
				Escape(customerName(conv, inbox.Message{})), conv.Channel.Label()))),
			slack.NewInputBlock(slackapp.ReplyBlock, plain("Reply"), nil, input),
		}},
	}
}

// OpenReplyModal opens the suggested-reply modal for the agent whose click
// issued triggerID (valid for three seconds).
func (c *Client) OpenReplyModal(ctx context.Context, triggerID string, conv inbox.Conversation) error {
	if _, err := c.api.OpenViewContext(ctx, triggerID, replyModal(conv)); err != nil {
		return fmt.Errorf("open reply modal for conversation %s: %w", conv.ID, check("views.open", err))
	}
	return nil
}

// ConversationList lists conversations as lines with links to their
// threads, oldest activity first as given.
func (c *Client) ConversationList(ctx context.Context, title string, convs []inbox.Conversation) []slack.Block {
	blocks := []slack.Block{slack.NewSectionBlock(md("*"+title+"*"), nil, nil)}
	if len(convs) == 0 {
		return append(blocks, slack.NewContextBlock("", md("Nothing here.")))
	}
	const maxLines = 40
	text := ""
	for i, conv := range convs {
		if i == maxLines {
			text += fmt.Sprintf("…and %d more\n", len(convs)-maxLines)
			break
		}
		line := c.conversationLine(ctx, conv) + "\n"
		// A section's text holds 3,000 characters.
		if len(text)+len(line) > 3000 {
			blocks = append(blocks, slack.NewSectionBlock(md(text), nil, nil))
			text = ""
		}
		text += line
	}
	if text != "" {
		blocks = append(blocks, slack.NewSectionBlock(md(text), nil, nil))
	}
	return blocks
}

func (c *Client) conversationLine(ctx context.Context, conv inbox.Conversation) string {
	label := Escape(Truncate(strings.Join(strings.Fields(plainName(conv)+": "+conv.FirstMessageText), " "), 80))
	if link := c.threadLink(ctx, conv); link != "" {
		// The label is escaped, so it cannot close the link early.
		label = "<" + link + "|" + label + ">"
	}
	line := fmt.Sprintf("%s %s · %s · active %s", statusEmoji(conv.Status), label, conv.Channel.Label(),
		slackDate(conv.LastActivityAt, "{ago}"))
	if conv.Status == inbox.StatusSnoozed {
		line += " · wakes " + slackDate(conv.SnoozedUntil, "{date_short_pretty} {time}")
	}
	if p, ok := priorityLabels[conv.Priority]; ok && (conv.Priority == inbox.PriorityHigh || conv.Priority == inbox.PriorityUrgent) {
		line += " · " + p
	}
	return line
}

// statusEmoji is the emoji of a status's label.
func statusEmoji(s inbox.Status) string {
	emoji, _, _ := strings.Cut(statusLabel(s), " ")
	return emoji
}

// PublishHome shows an agent their App Home tab: their open and snoozed
// conversations and the team's unassigned ones.
func (c *Client) PublishHome(ctx context.Context, userID string, mine, snoozed, unassigned []inbox.Conversation) error {
	blocks := []slack.Block{slack.NewHeaderBlock(plain("Your conversations"))}
	blocks = append(blocks, c.ConversationList(ctx, fmt.Sprintf("Open and assigned to you (%d)", len(mine)), mine)...)
	blocks = append(blocks, slack.NewDividerBlock())
	blocks = append(blocks, c.ConversationList(ctx, fmt.Sprintf("Snoozed, assigned to you (%d)", len(snoozed)), snoozed)...)
	blocks = append(blocks, slack.NewDividerBlock())
	blocks = append(blocks, c.ConversationList(ctx, fmt.Sprintf("Unassigned, oldest first (%d)", len(unassigned)), unassigned)...)
	// Slack allows 100 blocks in a view.
	if len(blocks) > 100 {
		blocks = blocks[:100]
	}
	view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
	if _, err := c.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: view}); err != nil {
		return fmt.Errorf("publish app home of %s: %w", userID, check("views.publish", err))
	}
	return nil
}
