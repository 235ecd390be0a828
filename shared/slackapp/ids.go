package slackapp

import "strings"

// The ids Switchboard's Slack surfaces share with this package: slackui
// draws cards and modals with them, and the handlers here read them back.
const (
	ActionAssign         = "assign_me"
	ActionResolve        = "resolve"
	ActionReopen         = "reopen"
	ActionSnooze         = "snooze"
	ActionPriority       = "priority"
	ActionSuggestedReply = "suggested_reply"
	// ActionSendTemplate sends the approved template named by its value,
	// offered where a channel's window closed on a reply.
	ActionSendTemplate = "send_template"

	// CallbackReply is the suggested-reply modal; the conversation id is
	// its private metadata, the text its one input.
	CallbackReply = "suggested_reply"
	ReplyBlock    = "reply"
	ReplyAction   = "text"

	// ReactionResolve on a card resolves its conversation.
	ReactionResolve = "white_check_mark"

	actionsBlockPrefix = "conversation:"
)

// ActionsBlockID is the block id of a card's actions, which carries the
// conversation id so an action needs no lookup.
func ActionsBlockID(conversationID string) string { return actionsBlockPrefix + conversationID }

// conversationOfBlock returns the conversation id in an actions block id.
func conversationOfBlock(blockID string) (string, bool) {
	id, ok := strings.CutPrefix(blockID, actionsBlockPrefix)
	return id, ok && id != ""
}
