package telegram

import (
	"context"
	"time"
)

// answerTimeout bounds the acknowledgement of a button press, so a slow
// Bot API cannot hold the webhook's answer back.
const answerTimeout = 3 * time.Second

// answerCallback acknowledges a button press with answerCallbackQuery,
// which stops the spinner the customer's app shows on the button until
// then. It is best-effort: the press is already handled, and a failure
// only costs the customer the spinner until it times out.
func (h *Handler) answerCallback(ctx context.Context, u update, conversationID string) {
	q := u.CallbackQuery
	if q == nil || q.ID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	params := struct {
		CallbackQueryID string `json:"callback_query_id"`
	}{q.ID}
	if err := h.client().call(ctx, "answerCallbackQuery", params, nil); err != nil {
		h.logger().WarnContext(ctx, "telegram button press not acknowledged", "update_id", u.UpdateID,
			"conversation_id", conversationID, "err", err)
	}
}
