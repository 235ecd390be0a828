// Package devstack is Switchboard on one machine: DynamoDB Local with the
// table from template.yaml, every function's handler mounted on one HTTP
// server through API-Gateway-shaped events, in-process stand-ins for the
// SQS queues, and, without a Slack token, a local Slack. 'make dev' runs
// it; the end-to-end tests drive it.
package devstack

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/infra/ddblocal"
	"github.com/switchboard-inbox/switchboard/infra/outbox"
	"github.com/switchboard-inbox/switchboard/infra/s3stub"
	"github.com/switchboard-inbox/switchboard/infra/sam"
	"github.com/switchboard-inbox/switchboard/infra/slackstub"
	"github.com/switchboard-inbox/switchboard/shared/app"
	"github.com/switchboard-inbox/switchboard/shared/config"
	"github.com/switchboard-inbox/switchboard/shared/httpx"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

//go:embed assets/index.html
var assets embed.FS

// Local defaults, used when the environment does not set them.
const (
	localTable         = "switchboard"
	localSigningSecret = "local-signing-secret"
	localChannel       = "C0SUPPORT"
	// LocalManagersChannel is where the local Slack shows managers' alerts.
	LocalManagersChannel = "C0MANAGERS"
	localIdentity        = "local-chat-identity-secret"
	// LocalReportsToken opens the local dashboard and reports API.
	LocalReportsToken = "local-reports-token"
)

// Options configure a stack.
type Options struct {
	// Listener is where the stack serves; it fixes the stack's URL.
	Listener net.Listener
	// Getenv reads the configuration (os.Getenv for 'make dev').
	Getenv func(string) string
	// DynamoDBEndpoint is a running DynamoDB; empty starts DynamoDB Local.
	DynamoDBEndpoint string
	// RetryDelay is the local queues' visibility timeout after a failure.
	RetryDelay time.Duration
	// SlackStub, when set, adjusts the local Slack's options (rate limits
	// for a test, say) before it starts.
	SlackStub func(*slackstub.Options)
	Log       *slog.Logger
}

// Stack is a running local Switchboard.
type Stack struct {
	URL     string
	App     *app.App
	Slack   *slackstub.Server
	S3      *s3stub.Server
	Outbox  *outbox.Server
	Route   *LocalQueue
	Deliver *LocalQueue
	Routes  []sam.Route

	server *http.Server
	log    *slog.Logger
	ddb    *ddblocal.Instance
	cancel context.CancelFunc
}

// Start starts a stack and returns once it serves.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	cfg, err := config.Load(opts.Getenv)
	if err != nil {
		return nil, err
	}
	st := &Stack{URL: "http://" + opts.Listener.Addr().String(), log: opts.Log}
	if cfg.PublicBaseURL == "" {
		cfg.PublicBaseURL = st.URL
	}
	if cfg.TableName == "" {
		cfg.TableName = localTable
	}
	if cfg.SlackSigningSecret == "" {
		cfg.SlackSigningSecret = localSigningSecret
	}
	if cfg.ChatIdentitySecret == "" {
		cfg.ChatIdentitySecret = localIdentity
	}
	if cfg.ReportsToken == "" {
		cfg.ReportsToken = LocalReportsToken
	}
	localChannels(&cfg, st.URL)
	st.S3, st.Outbox = s3stub.New(), outbox.New(outbox.Options{})
	if cfg.SlackBotToken == "" {
		if cfg.SlackChannelID == "" {
			cfg.SlackChannelID = localChannel
		}
		if cfg.ManagersChannelID == "" {
			cfg.ManagersChannelID = LocalManagersChannel
		}
		stubOpts := slackstub.Options{
			SigningSecret: cfg.SlackSigningSecret, EventsURL: st.URL + "/slack/events",
			InteractionsURL: st.URL + "/slack/interactions", CommandsURL: st.URL + "/slack/commands",
			BaseURL: st.URL + "/dev/slack",
		}
		if opts.SlackStub != nil {
			opts.SlackStub(&stubOpts)
		}
		st.Slack = slackstub.New(stubOpts)
		cfg.SlackBotToken = "xoxb-local"
		cfg.SlackAPIURL = st.URL + "/dev/slack/api/"
	} else if cfg.SlackChannelID == "" {
		return nil, errors.New("SLACK_BOT_TOKEN is set, so SLACK_CHANNEL_ID must be too")
	}

	endpoint := opts.DynamoDBEndpoint
	if endpoint == "" {
		if st.ddb, err = ddblocal.Start(ctx); err != nil {
			return nil, err
		}
		endpoint = st.ddb.Endpoint
	}
	db := ddblocal.Client(endpoint)
	var exists *types.ResourceInUseException
	if err := sam.CreateTable(ctx, db, cfg.TableName); err != nil && !errors.As(err, &exists) {
		st.close()
		return nil, err
	}

	retry := opts.RetryDelay
	if retry == 0 {
		retry = time.Second
	}
	// Receives as in template.yaml's redrive policies.
	st.Route = newLocalQueue("route", 10, retry, opts.Log)
	st.Deliver = newLocalQueue("deliver", cfg.DeliverMaxAttempts, retry, opts.Log)
	a := app.New(cfg, store.New(db, cfg.TableName), st.Route, st.Deliver, localAWS(st.URL, opts.Getenv), opts.Log)
	if st.Route.consumer, err = a.Router(); err != nil {
		st.close()
		return nil, err
	}
	st.Deliver.consumer = a.Dispatcher()
	st.App = a

	mux, routes, err := st.mux()
	if err != nil {
		st.close()
		return nil, err
	}
	st.Routes = routes
	runCtx, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	go st.Route.run(runCtx)
	go st.Deliver.run(runCtx)
	go st.schedule(runCtx, "snooze waker", time.Minute, a.Waker())
	go st.daily(runCtx, a.Digest())
	st.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := st.server.Serve(opts.Listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			opts.Log.Error("local stack server stopped", "err", err)
		}
	}()
	return st, nil
}

// Handlers maps each function of template.yaml that has HTTP routes to
// its handler, exactly as its main.go builds it.
func (st *Stack) Handlers() map[string]httpx.LambdaHandler {
	return map[string]httpx.LambdaHandler{
		"ChatFunction":            httpx.Lambda(st.App.Chat()),
		"SlackFunction":           httpx.Lambda(st.App.SlackApp()),
		"ChannelWebhooksFunction": httpx.Lambda(st.App.ChannelWebhooks()),
		"CsatFunction":            httpx.Lambda(st.App.CSAT()),
		"ReportsFunction":         httpx.Lambda(st.App.Reports()),
	}
}

func (st *Stack) mux() (*http.ServeMux, []sam.Route, error) {
	tpl, err := sam.Parse()
	if err != nil {
		return nil, nil, err
	}
	routes := sam.Routes(tpl)
	handlers := st.Handlers()
	mux := http.NewServeMux()
	for _, r := range routes {
		h, ok := handlers[r.Function]
		if !ok {
			return nil, nil, fmt.Errorf("template.yaml routes %s to a function the local stack does not know", r)
		}
		// API Gateway's greedy {name+} is ServeMux's {name...}.
		mux.Handle(r.Method+" "+strings.ReplaceAll(r.Path, "+}", "...}"), apiGateway(h))
	}
	// API Gateway answers CORS preflights itself (CorsConfiguration).
	mux.HandleFunc("OPTIONS /chat/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "content-type")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page, _ := assets.ReadFile("assets/index.html")
		_, _ = w.Write(page)
	})
	// Browsers ask for it on every page; a 404 would be a console error.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	st.mountChannels(mux)
	st.mountReports(mux)
	if st.Slack != nil {
		mux.Handle("/dev/slack/", http.StripPrefix("/dev/slack", st.Slack.Handler()))
		mux.Handle("/dev/slack", http.RedirectHandler("/dev/slack/", http.StatusFound))
	}
	return mux, routes, nil
}

// apiGateway serves a request the way API Gateway invokes a function:
// as an events.APIGatewayV2HTTPRequest, answered by an event response.
func apiGateway(h httpx.LambdaHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// API Gateway's payload limit is 10 MB.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 10<<20))
		if err != nil {
			http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
			return
		}
		res, err := h(r.Context(), httpx.Event(r, body))
		if err != nil {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		}
		httpx.Write(w, res)
	})
}

// schedule stands in for an EventBridge schedule: it invokes fn with a
// scheduled event every interval until ctx ends.
func (st *Stack) schedule(ctx context.Context, name string, every time.Duration, fn func(context.Context, events.EventBridgeEvent) error) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			ev := events.EventBridgeEvent{DetailType: "Scheduled Event", Source: "aws.scheduler", Time: now.UTC()}
			if err := fn(ctx, ev); err != nil {
				st.log.ErrorContext(ctx, "scheduled job failed", "schedule", name, "err", err)
			}
		}
	}
}

// WaitIdle waits until both queues have nothing pending, or ctx ends.
func (st *Stack) WaitIdle(ctx context.Context) error {
	for !st.Route.Idle() || !st.Deliver.Idle() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// Close stops the server, the queues and DynamoDB Local if it started it.
func (st *Stack) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = st.server.Shutdown(ctx)
	st.close()
}

func (st *Stack) close() {
	if st.cancel != nil {
		st.cancel()
	}
	if st.ddb != nil {
		st.ddb.Stop()
	}
}
