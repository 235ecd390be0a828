// Command dev runs the whole of Switchboard on localhost ('make dev'):
// open http://localhost:8080/ for the demo page with the chat widget, and
// /dev/slack for the local Slack stand-in when no SLACK_BOT_TOKEN is set.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/switchboard-inbox/switchboard/infra/devstack"
	"github.com/switchboard-inbox/switchboard/shared/config"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	l, err := net.Listen("tcp", "localhost:"+port)
	if err != nil {
		return fmt.Errorf("listen on port %s (set PORT to use another): %w", port, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := devstack.Start(ctx, devstack.Options{
		Listener:         l,
		Getenv:           os.Getenv,
		DynamoDBEndpoint: os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"),
		Log:              log,
	})
	if err != nil {
		return err
	}
	defer st.Close()

	url := "http://localhost:" + port
	fmt.Printf("\nSwitchboard is running.\n\n  Demo page with the chat widget:  %s/\n", url)
	if st.Slack != nil {
		fmt.Printf("  Local Slack stand-in:            %s/dev/slack/\n", url)
	} else {
		fmt.Printf("  Slack:                           channel %s (point your Slack app's event URL at %s/slack/events)\n",
			st.App.Config.SlackChannelID, st.App.Config.PublicBaseURL)
	}
	fmt.Printf("  What other channels' customers receive: %s/dev/outbox\n", url)
	fmt.Printf("  Send an email:    curl --data-binary @message.eml %s/dev/email\n", url)
	fmt.Printf("  Replay a webhook: curl --data-binary @payload.json %s/dev/webhooks/{meta,telegram,twilio}\n", url)
	fmt.Printf("\nRoutes from template.yaml:\n")
	for _, r := range st.Routes {
		fmt.Printf("  %-5s %s%s\n", r.Method, url, r.Path)
	}
	fmt.Printf("\nPress Ctrl-C to stop.\n\n")
	<-ctx.Done()
	return nil
}
