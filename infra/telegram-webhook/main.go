// Command telegram-webhook registers the inbox's webhook with Telegram, so
// the bot's updates reach /webhooks/telegram with the secret token the
// handler checks:
//
//	TELEGRAM_BOT_TOKEN=... TELEGRAM_SECRET_TOKEN=... PUBLIC_BASE_URL=https://... go run ./infra/telegram-webhook
//
// TELEGRAM_API_URL replaces https://api.telegram.org when set.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/channel/telegram"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "telegram-webhook:", err)
		os.Exit(1)
	}
}

func run() error {
	var missing []string
	env := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	}
	c := &telegram.Client{
		BotToken:    env("TELEGRAM_BOT_TOKEN"),
		SecretToken: env("TELEGRAM_SECRET_TOKEN"),
		APIURL:      os.Getenv("TELEGRAM_API_URL"),
	}
	base := env("PUBLIC_BASE_URL")
	if len(missing) > 0 {
		return fmt.Errorf("set %s", strings.Join(missing, ", "))
	}
	url := strings.TrimRight(base, "/") + "/webhooks/telegram"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.SetWebhook(ctx, url); err != nil {
		return err
	}
	fmt.Printf("Telegram now sends %s updates to %s with the secret token in X-Telegram-Bot-Api-Secret-Token.\n",
		strings.Join(telegram.AllowedUpdates, ", "), url)
	return nil
}
