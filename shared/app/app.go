// Package app wires Switchboard's pieces into each function's handler. The
// Lambda mains and the local stack both build handlers here, so what runs
// locally is what runs in AWS; only the clients behind them differ.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/switchboard-inbox/switchboard/shared/channel/chat"
	"github.com/switchboard-inbox/switchboard/shared/channel/email"
	"github.com/switchboard-inbox/switchboard/shared/config"
	"github.com/switchboard-inbox/switchboard/shared/csat"
	"github.com/switchboard-inbox/switchboard/shared/desk"
	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/media"
	"github.com/switchboard-inbox/switchboard/shared/queue"
	"github.com/switchboard-inbox/switchboard/shared/route"
	"github.com/switchboard-inbox/switchboard/shared/slackapp"
	"github.com/switchboard-inbox/switchboard/shared/slackui"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

// Queue enqueues jobs and, for its consumer, puts a received job back for
// a while; SQS in AWS, an in-process queue locally.
type Queue interface {
	Publish(ctx context.Context, j queue.Job) error
	Delay(ctx context.Context, receiptHandle string, d time.Duration) error
}

// AWS is the AWS services besides DynamoDB and SQS: S3 for media, SES v2
// for email replies.
type AWS struct {
	S3      media.S3
	Presign media.Presigner
	SES     email.SendAPI
}

// App holds the configured clients every handler is built from.
type App struct {
	Config  config.Config
	Store   *store.Store
	Slack   *slackui.Client
	Media   *media.Store
	SES     email.SendAPI
	Route   Queue
	Deliver Queue
	Log     *slog.Logger
	Now     func() time.Time
}

// FromEnv builds the App of a Lambda function from its environment.
func FromEnv(ctx context.Context, getenv func(string) string, log *slog.Logger) (*App, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	if err := cfg.Require("TABLE_NAME"); err != nil {
		return nil, err
	}
	// The SDK reads AWS_ENDPOINT_URL_DYNAMODB, _SQS, _S3 and _SESV2 itself.
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	sqsClient := sqs.NewFromConfig(awsCfg)
	s3Client := s3.NewFromConfig(awsCfg)
	clients := AWS{S3: s3Client, Presign: s3.NewPresignClient(s3Client), SES: sesv2.NewFromConfig(awsCfg)}
	return New(cfg, store.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName),
		queue.NewSQS(sqsClient, cfg.RouteQueueURL), queue.NewSQS(sqsClient, cfg.DeliverQueueURL), clients, log), nil
}

// New builds an App from its parts; the local stack brings its own store
// and queues.
func New(cfg config.Config, st *store.Store, route, deliver Queue, clients AWS, log *slog.Logger) *App {
	slackClient := slackui.New(cfg.SlackBotToken, cfg.SlackAPIURL, &http.Client{Timeout: 10 * time.Second})
	slackClient.NotePrefix = cfg.NotePrefix
	files := &media.Store{S3: clients.S3, Presign: clients.Presign, Bucket: cfg.MediaBucket, BaseURL: cfg.PublicBaseURL, Secret: cfg.LinkSecret}
	slackClient.MediaURL = files.URL
	if cfg.CSATEnabled && cfg.CSATSecret == "" {
		log.Warn("satisfaction ratings are off: CSAT_SECRET is not set")
	}
	st.Location, st.Hours, st.DormantAfter = cfg.TimeZone, cfg.BusinessHours, cfg.DormantAfter
	return &App{Config: cfg, Store: st, Slack: slackClient, Media: files, SES: clients.SES,
		Route: route, Deliver: deliver, Log: log, Now: time.Now}
}

// Chat serves the web chat widget and its API.
func (a *App) Chat() http.Handler {
	h := &chat.Handler{
		Ingest: a.ingest(), Store: a.Store, IdentitySecret: a.Config.ChatIdentitySecret, Log: a.Log, Now: a.Now,
	}
	if s := a.surveys(); s != nil {
		h.Ratings = s
	}
	return h
}

// surveys asks for and records satisfaction ratings; nil when ratings are
// turned off (CSAT_ENABLED=false) or cannot sign their links.
func (a *App) surveys() *csat.Service {
	cfg := a.Config
	if !cfg.CSATEnabled || cfg.CSATSecret == "" {
		return nil
	}
	return &csat.Service{
		Store: a.Store, Deliver: a.Deliver, Route: a.Route, Secret: cfg.CSATSecret, BaseURL: cfg.PublicBaseURL,
		Fatigue: cfg.CSATFatigue, Window: cfg.CSATWindow, Location: cfg.TimeZone, Log: a.Log, Now: a.Now,
	}
}

// CSAT serves the rating page that email rating links open.
func (a *App) CSAT() http.Handler {
	s := a.surveys()
	if s == nil {
		return http.NotFoundHandler()
	}
	return &csat.Page{Ratings: s, Location: a.Config.TimeZone, Log: a.Log}
}

func (a *App) desk() *desk.Service {
	return &desk.Service{Store: a.Store, Route: a.Route, Now: a.Now, Location: a.Config.TimeZone}
}

// SlackApp serves Slack's events, interactive actions and slash commands.
func (a *App) SlackApp() http.Handler {
	h := &slackapp.Handler{
		SigningSecret: a.Config.SlackSigningSecret, Store: a.Store, Deliver: a.Deliver, Desk: a.desk(), Slack: a.Slack,
		NotePrefix: a.Config.NotePrefix, AgentsGroup: a.Config.AgentsGroup, AgentNames: a.Config.AgentNames,
		TeamName: a.Config.TeamName, Command: a.Config.Command, PublicBaseURL: a.Config.PublicBaseURL, Log: a.Log, Now: a.Now,
	}
	if rh := a.reportsHandler(); rh != nil {
		h.Reports = slackReports{reports: rh.Service, handler: rh, now: a.Now}
	}
	return h.Routes()
}

// Router posts customer messages into Slack threads, triages new and
// reopened conversations, and keeps cards current.
func (a *App) Router() (queue.BatchHandler, error) {
	quick, model, rules, err := a.triagers()
	if err != nil {
		return nil, err
	}
	svc := &route.Service{Store: a.Store, Slack: a.Slack, Channel: a.Config.SlackChannelID,
		Rules: rules, Quick: quick, Model: model, ManagersChannel: a.Config.ManagersChannelID}
	if s := a.surveys(); s != nil {
		svc.Surveys = s
	}
	return queue.Handler(a.Log, svc.Route, a.Route), nil
}

// Dispatcher sends agents' replies to customers.
func (a *App) Dispatcher() queue.BatchHandler {
	svc := &dispatch.Service{
		Store:       a.Store,
		Senders:     a.senders(),
		Notify:      a.Slack,
		Route:       a.Route,
		MaxAttempts: a.Config.DeliverMaxAttempts,
	}
	return queue.Handler(a.Log, svc.Deliver, a.Deliver)
}

// Waker wakes snoozed conversations on a schedule.
func (a *App) Waker() func(context.Context, events.EventBridgeEvent) error {
	d := a.desk()
	return func(ctx context.Context, _ events.EventBridgeEvent) error {
		woken, err := d.WakeDue(ctx)
		if woken > 0 {
			a.Log.InfoContext(ctx, "woke snoozed conversations", "count", woken)
		}
		return err
	}
}
