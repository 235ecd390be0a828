package app

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-inbox/switchboard/shared/channel/chat"
	"github.com/switchboard-inbox/switchboard/shared/channel/email"
	"github.com/switchboard-inbox/switchboard/shared/channel/meta"
	"github.com/switchboard-inbox/switchboard/shared/channel/telegram"
	"github.com/switchboard-inbox/switchboard/shared/channel/twilio"
	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
)

// providerHTTP is the client every channel API call goes through; media
// downloads are the slowest, bounded at 25 MB.
var providerHTTP = &http.Client{Timeout: 20 * time.Second}

func (a *App) ingest() *ingest.Service {
	svc := &ingest.Service{Store: a.Store, Route: a.Route, ReopenWindow: a.Config.ReopenWindow,
		MergeByPhone: a.Config.MergeByPhone, Now: a.Now}
	if s := a.surveys(); s != nil {
		svc.Ratings = s
	}
	return svc
}

func (a *App) receipts() *dispatch.Receipts {
	return &dispatch.Receipts{Store: a.Store, Notify: a.Slack, Log: a.Log}
}

// ChannelWebhooks serves the messaging providers' webhooks and the signed
// links to stored media.
func (a *App) ChannelWebhooks() http.Handler {
	cfg := a.Config
	mux := http.NewServeMux()
	mux.Handle("/webhooks/meta", &meta.Handler{
		AppSecret: cfg.Meta.AppSecret, VerifyToken: cfg.Meta.VerifyToken,
		Ingest: a.ingest(), Receipts: a.receipts(), Media: a.Media,
		Fetcher: &meta.Fetcher{GraphURL: cfg.Meta.GraphURL, Version: cfg.Meta.GraphVersion, AccessToken: cfg.Meta.AccessToken, HTTP: providerHTTP},
		Log:     a.Log, Now: a.Now,
	})
	mux.Handle("/webhooks/telegram", &telegram.Handler{
		SecretToken: cfg.Telegram.SecretToken, BotToken: cfg.Telegram.BotToken, APIURL: cfg.Telegram.APIURL,
		LinkSecret: cfg.ChatIdentitySecret, Ingest: a.ingest(), Media: a.Media, HTTP: providerHTTP, Log: a.Log, Now: a.Now,
	})
	mux.Handle("/webhooks/twilio", &twilio.Handler{
		AuthToken: cfg.Twilio.AuthToken, PublicBaseURL: cfg.PublicBaseURL, AccountSID: cfg.Twilio.AccountSID, APIURL: cfg.Twilio.APIURL,
		Ingest: a.ingest(), Receipts: a.receipts(), Media: a.Media, OptOuts: a.Store, HTTP: providerHTTP, Log: a.Log, Now: a.Now,
	})
	mux.Handle("/media/", a.Media)
	return mux
}

// senders maps each channel to what delivers agents' replies on it. A
// channel whose credentials are missing has none, and the dispatcher says
// so in the thread instead of failing quietly.
func (a *App) senders() map[inbox.Channel]dispatch.Sender {
	cfg := a.Config
	senders := map[inbox.Channel]dispatch.Sender{inbox.ChannelChat: chat.Sender{}}
	metaSender := &meta.Sender{
		GraphURL: cfg.Meta.GraphURL, Version: cfg.Meta.GraphVersion, AccessToken: cfg.Meta.AccessToken,
		PhoneNumberID: cfg.Meta.PhoneNumberID, PageAccessToken: cfg.Meta.PageAccessToken,
		Template: cfg.Meta.WhatsAppTemplate, TemplateLanguage: cfg.Meta.TemplateLanguage, HTTP: providerHTTP, Now: a.Now,
	}
	if cfg.Meta.PageAccessToken != "" {
		senders[inbox.ChannelMessenger] = metaSender
		senders[inbox.ChannelInstagram] = metaSender
	}
	twilioSender := &twilio.Sender{
		APIURL: cfg.Twilio.APIURL, AccountSID: cfg.Twilio.AccountSID, AuthToken: cfg.Twilio.AuthToken,
		SMSFrom: cfg.Twilio.SMSFrom, MessagingServiceSID: cfg.Twilio.MessagingServiceSID,
		WhatsAppFrom: cfg.Twilio.WhatsAppFrom, WhatsAppTemplateSID: cfg.Twilio.WhatsAppTemplateSID,
		StatusCallbackURL: cfg.PublicBaseURL + "/webhooks/twilio", OptOuts: a.Store, HTTP: providerHTTP, Now: a.Now,
	}
	if cfg.Twilio.AuthToken != "" && (cfg.Twilio.SMSFrom != "" || cfg.Twilio.MessagingServiceSID != "") {
		senders[inbox.ChannelSMS] = twilioSender
	}
	switch {
	case cfg.WhatsAppProvider == "meta" && cfg.Meta.AccessToken != "":
		senders[inbox.ChannelWhatsApp] = metaSender
	case cfg.WhatsAppProvider == "twilio" && cfg.Twilio.AuthToken != "":
		senders[inbox.ChannelWhatsApp] = twilioSender
	}
	if cfg.Telegram.BotToken != "" {
		senders[inbox.ChannelTelegram] = &telegram.Sender{BotToken: cfg.Telegram.BotToken, APIURL: cfg.Telegram.APIURL, HTTP: providerHTTP}
	}
	if s := a.emailSender(); s != nil {
		senders[inbox.ChannelEmail] = s
	}
	return senders
}

func (a *App) emailInbound() *email.Inbound {
	return &email.Inbound{
		Ingest: a.ingest(), Receipts: a.receipts(), Media: a.Media, Raw: a.Media,
		SupportAddress: a.Config.Email.Address, Secret: a.Config.LinkSecret, Log: a.Log, Now: a.Now,
	}
}

// EmailInbound handles the SES receipt rule's invocations.
func (a *App) EmailInbound() func(context.Context, events.SimpleEmailEvent) error {
	return a.emailInbound().HandleSES
}

// ReceiveRawEmail ingests one raw RFC 5322 message as if SES had received
// it: stored under inbound/ like SES stores it, then parsed from there.
func (a *App) ReceiveRawEmail(ctx context.Context, raw []byte) error {
	key := "inbound/" + strings.ToLower(inbox.NewID(a.Now()))
	if _, err := a.Media.Save(ctx, key, bytes.NewReader(raw), "message/rfc822", "original.eml"); err != nil {
		return err
	}
	return a.emailInbound().HandleRaw(ctx, key, bytes.NewReader(raw), int64(len(raw)))
}

func (a *App) emailSender() dispatch.Sender {
	cfg := a.Config
	if cfg.Email.Address == "" || a.SES == nil {
		return nil
	}
	return &email.Sender{
		SES: a.SES, From: cfg.Email.Address, FromName: cfg.Email.FromName, AgentNameInFrom: cfg.Email.AgentInFrom,
		Secret: cfg.LinkSecret, Region: cfg.Email.Region, Thread: a.Store, ConfigurationSet: cfg.Email.ConfigurationSet, Now: a.Now,
	}
}
