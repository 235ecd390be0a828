package config

import (
	"log/slog"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DeliverMaxAttempts != 5 || c.ReopenWindow != 7*24*time.Hour || c.LogLevel != slog.LevelInfo {
		t.Errorf("Load(empty) = %+v; want 5 attempts, 168h, INFO", c)
	}
}

func TestLoad(t *testing.T) {
	c, err := Load(env(map[string]string{
		"PUBLIC_BASE_URL": "https://support.example.com/", "SLACK_API_URL": "http://localhost:9/api",
		"DELIVER_MAX_ATTEMPTS": "3", "REOPEN_WINDOW": "48h", "LOG_LEVEL": "debug", "TABLE_NAME": "t",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicBaseURL != "https://support.example.com" || c.SlackAPIURL != "http://localhost:9/api/" ||
		c.DeliverMaxAttempts != 3 || c.ReopenWindow != 48*time.Hour || c.LogLevel != slog.LevelDebug {
		t.Errorf("Load = %+v", c)
	}
	if err := c.Require("TABLE_NAME"); err != nil {
		t.Errorf("Require(TABLE_NAME) = %v; want nil", err)
	}
	if err := c.Require("SLACK_BOT_TOKEN"); err == nil {
		t.Error("Require(SLACK_BOT_TOKEN) = nil; want an error naming it")
	}
}

func TestLoadRejects(t *testing.T) {
	for _, bad := range []map[string]string{
		{"DELIVER_MAX_ATTEMPTS": "zero"}, {"DELIVER_MAX_ATTEMPTS": "0"},
		{"REOPEN_WINDOW": "a week"}, {"LOG_LEVEL": "loud"}, {"BUSINESS_HOURS": "weekdays 9-5"}, {"DORMANT_AFTER": "0s"},
	} {
		if _, err := Load(env(bad)); err == nil {
			t.Errorf("Load(%v) = nil error; want one", bad)
		}
	}
}
