package slackapp

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/slack-go/slack"
)

// commandAnswer is the JSON a slash command is answered with; ephemeral
// answers are seen by the asker only.
type commandAnswer struct {
	ResponseType string        `json:"response_type"`
	Text         string        `json:"text"`
	Blocks       []slack.Block `json:"blocks,omitempty"`
}

func (h *Handler) serveCommand(w http.ResponseWriter, r *http.Request, _ []byte) {
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		http.Error(w, "malformed slash command", http.StatusBadRequest)
		return
	}
	answer, err := h.command(r.Context(), cmd)
	if err != nil {
		h.Log.ErrorContext(r.Context(), "slash command failed", "user", cmd.UserID, "text", cmd.Text, "err", err)
		answer = commandAnswer{Text: ":warning: Switchboard could not answer that just now; try again in a moment."}
	}
	answer.ResponseType = "ephemeral"
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

func (h *Handler) command(ctx context.Context, cmd slack.SlashCommand) (commandAnswer, error) {
	verb, rest, _ := strings.Cut(strings.TrimSpace(cmd.Text), " ")
	verb = strings.ToLower(verb)
	if verb == "" || verb == "help" {
		return commandAnswer{Text: h.help()}, nil
	}
	if ok, err := h.isAgent(ctx, cmd.UserID); err != nil || !ok {
		return commandAnswer{Text: h.notAgentText()}, err
	}
	switch verb {
	case "mine":
		mine, snoozed, _, err := h.Desk.Lists(ctx, cmd.UserID)
		if err != nil {
			return commandAnswer{}, err
		}
		blocks := h.Slack.ConversationList(ctx, "Your open conversations", mine)
		blocks = append(blocks, h.Slack.ConversationList(ctx, "Your snoozed conversations", snoozed)...)
		return commandAnswer{Text: "Your conversations", Blocks: blocks}, nil
	case "find":
		query := strings.TrimSpace(rest)
		if query == "" {
			return commandAnswer{Text: "Find what? Try `" + h.Command + " find ana@example.com`, a phone number, or words from the message."}, nil
		}
		found, err := h.Desk.Find(ctx, query)
		if err != nil {
			return commandAnswer{}, err
		}
		// The query is not echoed: it is the agent's own, and echoing it
		// would need escaping for nothing.
		title := "Conversations matching your search"
		return commandAnswer{Text: title, Blocks: h.Slack.ConversationList(ctx, title, found)}, nil
	case "report", "dashboard":
		return commandAnswer{Text: "Reports are not part of this deployment yet. They arrive with the reports function."}, nil
	}
	return commandAnswer{Text: "I don't know that command.\n" + h.help()}, nil
}

func (h *Handler) help() string {
	c := h.Command
	return "*" + c + "* helps you work the support inbox:\n" +
		"• `" + c + " mine`: your open and snoozed conversations\n" +
		"• `" + c + " find &lt;email | phone | words&gt;`: look up a customer's conversations\n" +
		"• `" + c + " report [7d|30d|90d]`: response times, CSAT and retention\n" +
		"• `" + c + " dashboard`: a private link to the dashboard\n" +
		"Reply in a conversation's thread to answer the customer; start with `" + h.NotePrefix + "` for an internal note. " +
		"React with :" + ReactionResolve + ": on a card to resolve it."
}
