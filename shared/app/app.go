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

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/switchboard-inbox/switchboard/shared/channel/chat"
	"github.com/switchboard-inbox/switchboard/shared/config"
	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
	"github.com/switchboard-inbox/switchboard/shared/queue"
	"github.com/switchboard-inbox/switchboard/shared/route"
	"github.com/switchboard-inbox/switchboard/shared/slackapp"
	"github.com/switchboard-inbox/switchboard/shared/slackui"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

// Publisher enqueues jobs; SQS in AWS, an in-process queue locally.
type Publisher interface {
	Publish(ctx context.Context, j queue.Job) error
}

// App holds the configured clients every handler is built from.
type App struct {
	Config  config.Config
	Store   *store.Store
	Slack   *slackui.Client
	Route   Publisher
	Deliver Publisher
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
	// The SDK reads AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SQS itself.
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	httpClient := &http.Client{Timeout: 10 * time.Second}
	sqsClient := sqs.NewFromConfig(awsCfg)
	return &App{
		Config:  cfg,
		Store:   store.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName),
		Slack:   slackui.New(cfg.SlackBotToken, cfg.SlackAPIURL, httpClient),
		Route:   queue.NewSQS(sqsClient, cfg.RouteQueueURL),
		Deliver: queue.NewSQS(sqsClient, cfg.DeliverQueueURL),
		Log:     log,
		Now:     time.Now,
	}, nil
}

// Chat serves the web chat widget and its API.
func (a *App) Chat() http.Handler {
	return &chat.Handler{
		Ingest: &ingest.Service{Store: a.Store, Route: a.Route, ReopenWindow: a.Config.ReopenWindow, Now: a.Now},
		Store:  a.Store, IdentitySecret: a.Config.ChatIdentitySecret, Log: a.Log, Now: a.Now,
	}
}

// SlackEvents serves Slack's Events API requests.
func (a *App) SlackEvents() http.Handler {
	return &slackapp.Handler{
		SigningSecret: a.Config.SlackSigningSecret, Store: a.Store, Deliver: a.Deliver,
		Users: a.Slack, Log: a.Log, Now: a.Now,
	}
}

// Router posts customer messages into Slack threads.
func (a *App) Router() queue.BatchHandler {
	svc := &route.Service{Store: a.Store, Slack: a.Slack, Channel: a.Config.SlackChannelID}
	return queue.Handler(a.Log, svc.Route)
}

// Dispatcher sends agents' replies to customers.
func (a *App) Dispatcher() queue.BatchHandler {
	svc := &dispatch.Service{
		Store:       a.Store,
		Senders:     map[inbox.Channel]dispatch.Sender{inbox.ChannelChat: chat.Sender{}},
		Notify:      a.Slack,
		MaxAttempts: a.Config.DeliverMaxAttempts,
	}
	return queue.Handler(a.Log, svc.Deliver)
}
