package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchboard-inbox/switchboard/shared/httpx"
)

// Reports draws the reports an agent asks for with the slash command.
// The app wires it to the report package, which this one may not import.
type Reports interface {
	// ReportBlocks is the report of the last days days, ending today,
	// against the days days before.
	ReportBlocks(ctx context.Context, days int, base, user string) ([]slack.Block, error)
	// DashboardLink is a link to the dashboard signed for user and when it
	// stops working; "" when links cannot be signed.
	// base is the public URL the command came to, for deployments that
	// do not configure one.
	DashboardLink(base, user string) (link string, expires time.Time)
}

// reportWindows are the windows /switchboard report offers, in days.
var reportWindows = map[string]int{"7d": 7, "30d": 30, "90d": 90}

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
	answer, err := h.command(r.Context(), cmd, httpx.BaseURL(h.PublicBaseURL, r))
	if err != nil {
		h.Log.ErrorContext(r.Context(), "slash command failed", "user", cmd.UserID, "text", cmd.Text, "err", err)
		answer = commandAnswer{Text: ":warning: Switchboard could not answer that just now; try again in a moment."}
	}
	answer.ResponseType = "ephemeral"
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

func (h *Handler) command(ctx context.Context, cmd slack.SlashCommand, base string) (commandAnswer, error) {
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
		return h.reportCommand(ctx, verb, strings.TrimSpace(rest), base, cmd.UserID)
	}
	return commandAnswer{Text: "I don't know that command.\n" + h.help()}, nil
}

// reportCommand answers "report [7d|30d|90d]" and "dashboard".
func (h *Handler) reportCommand(ctx context.Context, verb, arg, base, user string) (commandAnswer, error) {
	if h.Reports == nil {
		return commandAnswer{Text: "Reports are not set up in this deployment."}, nil
	}
	if verb == "dashboard" {
		return h.dashboardAnswer(base, user), nil
	}
	if arg == "" {
		arg = "7d"
	}
	days, ok := reportWindows[strings.ToLower(arg)]
	if !ok {
		return commandAnswer{Text: "Usage: `" + h.Command + " report [7d|30d|90d]`: the last 7, 30 or 90 days against the same number of days before (7 by default)."}, nil
	}
	blocks, err := h.Reports.ReportBlocks(ctx, days, base, user)
	if err != nil {
		return commandAnswer{}, fmt.Errorf("report of the last %d days: %w", days, err)
	}
	return commandAnswer{Text: fmt.Sprintf("Support report: the last %d days", days), Blocks: blocks}, nil
}

// dashboardAnswer gives the asker a private, short-lived dashboard link.
// The link is a button, so the URL needs no mrkdwn escaping.
func (h *Handler) dashboardAnswer(base, user string) commandAnswer {
	link, expires := h.Reports.DashboardLink(base, user)
	if link == "" {
		return commandAnswer{Text: "The dashboard is not set up in this deployment."}
	}
	minutes := int(expires.Sub(h.Now()).Round(time.Minute) / time.Minute)
	until := fmt.Sprintf("<!date^%d^{time}|%s>", expires.Unix(), expires.UTC().Format("15:04 UTC"))
	text := fmt.Sprintf("Your private link to the dashboard works for %d minutes, until %s. Please don't share it.", minutes, until)
	button := slack.NewButtonBlockElement("", "", slack.NewTextBlockObject(slack.PlainTextType, "Open the dashboard", false, false)).WithURL(link)
	return commandAnswer{Text: text, Blocks: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, slack.NewAccessory(button)),
	}}
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
