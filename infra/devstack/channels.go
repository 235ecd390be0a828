package devstack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/switchboard-inbox/switchboard/infra/outbox"
	"github.com/switchboard-inbox/switchboard/shared/app"
	"github.com/switchboard-inbox/switchboard/shared/channel/meta"
	"github.com/switchboard-inbox/switchboard/shared/channel/twilio"
	"github.com/switchboard-inbox/switchboard/shared/config"
)

// Local channel credentials, used when the environment sets none: every
// channel is on in 'make dev', talking to the local provider fakes.
const (
	LocalMetaSecret     = "local-meta-app-secret"
	LocalMetaVerify     = "local-meta-verify-token"
	LocalTelegramSecret = "local-telegram-secret"
	LocalTwilioToken    = "local-twilio-auth-token"
	LocalSupportEmail   = "support@switchboard.localhost"
	localMediaBucket    = "switchboard-media"
	localLinkSecret     = "local-link-secret"
	localCSATSecret     = "local-csat-secret"
	fakePrefix          = "/_fake/"
)

// localChannels fills in what the environment leaves empty so that every
// channel works against the local fakes; a real credential set in the
// environment keeps its provider's real URL.
func localChannels(cfg *config.Config, stackURL string) {
	or := func(v *string, local string) {
		if *v == "" {
			*v = local
		}
	}
	or(&cfg.MediaBucket, localMediaBucket)
	or(&cfg.LinkSecret, localLinkSecret)
	or(&cfg.CSATSecret, localCSATSecret)
	or(&cfg.Email.Address, LocalSupportEmail)
	if cfg.Meta.AccessToken == "" {
		cfg.Meta.AccessToken, cfg.Meta.PageAccessToken = "local-meta-token", "local-page-token"
		cfg.Meta.PhoneNumberID, cfg.Meta.GraphURL = "100000000000001", stackURL+fakePrefix+outbox.Meta
		or(&cfg.Meta.WhatsAppTemplate, "hello_again")
	}
	or(&cfg.Meta.AppSecret, LocalMetaSecret)
	or(&cfg.Meta.VerifyToken, LocalMetaVerify)
	if cfg.Telegram.BotToken == "" {
		cfg.Telegram.BotToken, cfg.Telegram.APIURL = "123456:local-bot-token", stackURL+fakePrefix+outbox.Telegram
	}
	or(&cfg.Telegram.SecretToken, LocalTelegramSecret)
	if cfg.Twilio.AuthToken == "" {
		cfg.Twilio.AccountSID, cfg.Twilio.AuthToken = "AC00000000000000000000000000000000", LocalTwilioToken
		cfg.Twilio.SMSFrom, cfg.Twilio.APIURL = "+15005550006", stackURL+fakePrefix+outbox.Twilio
	}
}

// localAWS points S3 and SES v2 at the local stand-ins, unless the
// environment names real endpoints (AWS_ENDPOINT_URL_S3, _SESV2).
func localAWS(stackURL string, getenv func(string) string) app.AWS {
	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	s3URL := getenv("AWS_ENDPOINT_URL_S3")
	if s3URL == "" {
		s3URL = stackURL + fakePrefix + "s3"
	}
	sesURL := getenv("AWS_ENDPOINT_URL_SESV2")
	if sesURL == "" {
		sesURL = stackURL + fakePrefix + outbox.SES
	}
	s3Client := s3.New(s3.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(s3URL), UsePathStyle: true})
	return app.AWS{
		S3: s3Client, Presign: s3.NewPresignClient(s3Client),
		SES: sesv2.New(sesv2.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(sesURL)}),
	}
}

// mountChannels serves the AWS and provider fakes, the outbox page, and
// the dev-only doors for inbound mail and webhooks.
func (st *Stack) mountChannels(mux *http.ServeMux) {
	mux.Handle(fakePrefix+"s3/", http.StripPrefix(fakePrefix+"s3", st.S3))
	for _, p := range []string{outbox.Meta, outbox.Telegram, outbox.Twilio, outbox.SES} {
		mux.Handle(fakePrefix+p+"/", http.StripPrefix(fakePrefix+p, st.Outbox))
	}
	mux.Handle("/dev/outbox", st.Outbox)
	mux.Handle("/dev/outbox/", st.Outbox)
	mux.HandleFunc("POST /dev/email", st.receiveEmail)
	mux.HandleFunc("POST /dev/webhooks/{provider}", st.signedWebhook)
}

// receiveEmail takes raw RFC 5322 mail (curl --data-binary @message.eml)
// through the same path SES-received mail takes.
func (st *Stack) receiveEmail(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 40<<20))
	if err != nil {
		http.Error(w, "the mail is over 40 MB, SES's limit", http.StatusRequestEntityTooLarge)
		return
	}
	if err := st.App.ReceiveRawEmail(r.Context(), raw); err != nil {
		st.log.ErrorContext(r.Context(), "dev email not received", "err", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// signedWebhook signs a provider payload the way the provider would and
// delivers it to the real webhook, so a fixture can be replayed with curl.
func (st *Stack) signedWebhook(w http.ResponseWriter, r *http.Request) {
	provider := r.PathValue("provider")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	}
	res, err := st.Webhook(r.Context(), provider, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	defer res.Body.Close()
	w.WriteHeader(res.StatusCode)
	_, _ = io.Copy(w, res.Body)
}

// Webhook posts a provider's payload to its webhook on this stack, signed
// with the local secrets as the provider signs it.
func (st *Stack) Webhook(ctx context.Context, provider string, body []byte) (*http.Response, error) {
	cfg := st.App.Config
	target := st.URL + "/webhooks/" + provider
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	// Signing with a real secret would let anyone who reaches this stack
	// (through a tunnel for Slack, say) forge that provider's webhooks.
	local := map[string]bool{"meta": cfg.Meta.AppSecret == LocalMetaSecret,
		"telegram": cfg.Telegram.SecretToken == LocalTelegramSecret, "twilio": cfg.Twilio.AuthToken == LocalTwilioToken}
	if ok, known := local[provider]; known && !ok {
		return nil, fmt.Errorf("%s uses a real secret here; /dev/webhooks signs only with the local one", provider)
	}
	switch provider {
	case "meta":
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Hub-Signature-256", meta.Signature(cfg.Meta.AppSecret, body))
	case "telegram":
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", cfg.Telegram.SecretToken)
	case "twilio":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", twilio.Sign(cfg.Twilio.AuthToken, cfg.PublicBaseURL+"/webhooks/twilio", form))
	default:
		return nil, &unknownProvider{provider}
	}
	return http.DefaultClient.Do(req)
}

type unknownProvider struct{ name string }

func (e *unknownProvider) Error() string {
	return "unknown provider " + e.name + ": want meta, telegram or twilio"
}
