// Package twilio is the SMS, MMS and WhatsApp channel through Twilio's
// Programmable Messaging: the webhook that receives customer messages,
// opt-outs and delivery receipts on POST /webhooks/twilio, and the Sender
// that replies through the Messages API.
package twilio

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
)

// Limits of what is read from Twilio.
const (
	// MaxBodyBytes bounds a webhook body; Twilio's largest form (an MMS
	// with ten media and a 1,600-character body) is a few kilobytes.
	MaxBodyBytes = 64 << 10
	// MaxMediaBytes bounds one downloaded MMS or WhatsApp media file.
	MaxMediaBytes = 25 << 20
	// maxMedia is the most media Twilio attaches to one message.
	maxMedia = 10
	// maxResponseBytes bounds what is read of a Messages API answer.
	maxResponseBytes = 64 << 10
)

// defaultTimeout applies when no HTTP client is given.
const defaultTimeout = 10 * time.Second

// Ingester stores an inbound message.
type Ingester interface {
	Ingest(ctx context.Context, in inbox.Inbound) (ingest.Result, error)
}

// Receipts records what Twilio later reports about a sent message.
type Receipts interface {
	Receipt(ctx context.Context, r inbox.Receipt) error
}

// MediaStore keeps a downloaded media file in the media bucket.
type MediaStore interface {
	Save(ctx context.Context, key string, body io.Reader, contentType, name string) (inbox.Attachment, error)
}

// OptOuts remembers which phone numbers texted STOP, so replies to them
// fail at once with a clear reason instead of at Twilio.
type OptOuts interface {
	SetOptOut(ctx context.Context, ch inbox.Channel, address string, optedOut bool) error
	OptedOut(ctx context.Context, ch inbox.Channel, address string) (bool, error)
}

func client(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: defaultTimeout}
}
