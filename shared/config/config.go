// Package config reads Switchboard's settings from the environment, with
// the names of the configuration contract (docs/configuration.md), the same
// in Lambda, the local stack and the tests.
package config

import (
	"cmp"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	// Lambda's provided.al2023 image has no zoneinfo; SUPPORT_TIME_ZONE
	// must resolve anyway.
	_ "time/tzdata"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Config is every setting a function may need; each function uses some.
type Config struct {
	// PublicBaseURL is the public URL of the HTTP API, without a trailing
	// slash. Empty in Lambda means "the domain the request came to".
	PublicBaseURL string

	SlackBotToken      string
	SlackSigningSecret string
	SlackChannelID     string
	// SlackAPIURL replaces https://slack.com/api/ (keep the trailing slash).
	SlackAPIURL string

	// ChatIdentitySecret signs verified chat visitors' user ids.
	ChatIdentitySecret string

	// The agent workspace in Slack.
	NotePrefix  string
	AgentsGroup string
	AgentNames  inbox.AgentNameStyle
	TeamName    string
	Command     string
	TimeZone    *time.Location

	// Triage: a model when OpenAIBaseURL or OpenAIAPIKey is set, rules
	// always (and whenever the model fails).
	OpenAIAPIKey    string
	OpenAIBaseURL   string
	OpenAIModel     string
	OpenAITimeout   time.Duration
	TriageRulesFile string
	TriageTone      string
	KnowledgeDir    string
	// TriageRoutes maps triage results to Slack channels (JSON, see
	// docs/triage.md); empty sends everything to SlackChannelID.
	TriageRoutes string

	// Channels beyond web chat; each is off while its credentials are empty.
	Email    Email
	Meta     Meta
	Telegram Telegram
	Twilio   Twilio
	// MergeByPhone makes the same number on SMS and WhatsApp one customer.
	MergeByPhone bool
	// WhatsAppProvider says who sends WhatsApp replies: meta or twilio.
	WhatsAppProvider string

	// Ratings: requests after each resolved interaction (CSAT_ENABLED),
	// links signed with CSATSecret, at most one request per customer per
	// CSATFatigue, answers taken for CSATWindow; low ratings alert the
	// managers' channel.
	CSATEnabled       bool
	CSATSecret        string
	CSATFatigue       time.Duration
	CSATWindow        time.Duration
	ManagersChannelID string

	// Reports: REPORTS_TOKEN is the bearer token of /reports and the
	// dashboard, and signs the dashboard links Slack hands out;
	// BusinessHours adds business-hours times; DormantAfter is how long a
	// customer with one contact may be silent before the dormant list
	// names them.
	ReportsToken  string
	BusinessHours inbox.BusinessHours
	DormantAfter  time.Duration

	// MediaBucket keeps customers' files and the raw inbound email;
	// LinkSecret signs agents' links to them and email reply tokens.
	MediaBucket string
	LinkSecret  string

	TableName       string
	RouteQueueURL   string
	DeliverQueueURL string
	// DeliverMaxAttempts must equal the deliver queue's maxReceiveCount:
	// the dispatcher reports a failure in the Slack thread on the last one.
	DeliverMaxAttempts int
	ReopenWindow       time.Duration
	LogLevel           slog.Level
}

// Email is the SES channel.
type Email struct {
	// Address is the support address customers write to and replies come
	// from; replies carry a token as support+token@domain.
	Address string
	// FromName is the display name of replies (default: the team's name).
	FromName string
	// AgentInFrom adds the agent's public name to it ("Ada from Support").
	AgentInFrom      bool
	ConfigurationSet string
	Region           string
}

// Meta is WhatsApp Cloud API, Messenger and Instagram messaging.
type Meta struct {
	AppSecret        string
	VerifyToken      string
	AccessToken      string
	PageAccessToken  string
	GraphURL         string
	GraphVersion     string
	PhoneNumberID    string
	WhatsAppTemplate string
	TemplateLanguage string
}

// Telegram is one bot.
type Telegram struct {
	BotToken    string
	SecretToken string
	APIURL      string
}

// Twilio is SMS and WhatsApp through Twilio.
type Twilio struct {
	AccountSID          string
	AuthToken           string
	APIURL              string
	SMSFrom             string
	MessagingServiceSID string
	WhatsAppFrom        string
	WhatsAppTemplateSID string
}

// Load reads the configuration through getenv (os.Getenv in production).
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		PublicBaseURL:      strings.TrimRight(getenv("PUBLIC_BASE_URL"), "/"),
		SlackBotToken:      getenv("SLACK_BOT_TOKEN"),
		SlackSigningSecret: getenv("SLACK_SIGNING_SECRET"),
		SlackChannelID:     getenv("SLACK_CHANNEL_ID"),
		SlackAPIURL:        getenv("SLACK_API_URL"),
		ChatIdentitySecret: getenv("CHAT_IDENTITY_SECRET"),
		NotePrefix:         cmp.Or(getenv("SLACK_NOTE_PREFIX"), inbox.DefaultNotePrefix),
		AgentsGroup:        getenv("SLACK_AGENTS_GROUP_ID"),
		AgentNames:         inbox.AgentNameStyle(cmp.Or(getenv("AGENT_NAME_STYLE"), string(inbox.AgentFirstName))),
		TeamName:           cmp.Or(getenv("SUPPORT_TEAM_NAME"), "Support"),
		Command:            cmp.Or(getenv("SLACK_COMMAND"), "/switchboard"),
		TimeZone:           time.UTC,
		OpenAIAPIKey:       getenv("OPENAI_API_KEY"),
		OpenAIBaseURL:      getenv("OPENAI_BASE_URL"),
		OpenAIModel:        cmp.Or(getenv("OPENAI_MODEL"), "gpt-4o-mini"),
		OpenAITimeout:      8 * time.Second,
		TriageRulesFile:    getenv("TRIAGE_RULES_FILE"),
		TriageTone:         getenv("TRIAGE_TONE"),
		KnowledgeDir:       getenv("KNOWLEDGE_DIR"),
		TriageRoutes:       getenv("TRIAGE_ROUTES"),
		Email: Email{
			Address: strings.ToLower(getenv("SUPPORT_EMAIL")), FromName: getenv("SUPPORT_EMAIL_NAME"),
			AgentInFrom: getenv("EMAIL_AGENT_NAME") == "true", ConfigurationSet: getenv("SES_CONFIGURATION_SET"),
			Region: cmp.Or(getenv("AWS_REGION"), "us-east-1"),
		},
		Meta: Meta{
			AppSecret: getenv("META_APP_SECRET"), VerifyToken: getenv("META_VERIFY_TOKEN"),
			AccessToken: getenv("META_ACCESS_TOKEN"), PageAccessToken: getenv("META_PAGE_ACCESS_TOKEN"),
			GraphURL:     strings.TrimRight(cmp.Or(getenv("META_GRAPH_URL"), "https://graph.facebook.com"), "/"),
			GraphVersion: cmp.Or(getenv("META_GRAPH_VERSION"), "v21.0"), PhoneNumberID: getenv("WHATSAPP_PHONE_NUMBER_ID"),
			WhatsAppTemplate: getenv("WHATSAPP_TEMPLATE"), TemplateLanguage: getenv("WHATSAPP_TEMPLATE_LANGUAGE"),
		},
		Telegram: Telegram{
			BotToken: getenv("TELEGRAM_BOT_TOKEN"), SecretToken: getenv("TELEGRAM_SECRET_TOKEN"),
			APIURL: strings.TrimRight(cmp.Or(getenv("TELEGRAM_API_URL"), "https://api.telegram.org"), "/"),
		},
		Twilio: Twilio{
			AccountSID: getenv("TWILIO_ACCOUNT_SID"), AuthToken: getenv("TWILIO_AUTH_TOKEN"),
			APIURL:  strings.TrimRight(cmp.Or(getenv("TWILIO_API_URL"), "https://api.twilio.com"), "/"),
			SMSFrom: getenv("TWILIO_SMS_FROM"), MessagingServiceSID: getenv("TWILIO_MESSAGING_SERVICE_SID"),
			WhatsAppFrom: getenv("TWILIO_WHATSAPP_FROM"), WhatsAppTemplateSID: getenv("TWILIO_WHATSAPP_TEMPLATE_SID"),
		},
		MergeByPhone:       getenv("MERGE_BY_PHONE") == "true",
		WhatsAppProvider:   getenv("WHATSAPP_PROVIDER"),
		CSATEnabled:        getenv("CSAT_ENABLED") != "false",
		CSATSecret:         getenv("CSAT_SECRET"),
		CSATFatigue:        inbox.DefaultSurveyFatigue,
		CSATWindow:         inbox.DefaultRatingWindow,
		ManagersChannelID:  getenv("SLACK_MANAGERS_CHANNEL_ID"),
		ReportsToken:       getenv("REPORTS_TOKEN"),
		DormantAfter:       inbox.DefaultDormantAfter,
		MediaBucket:        getenv("MEDIA_BUCKET"),
		LinkSecret:         getenv("LINK_SECRET"),
		TableName:          getenv("TABLE_NAME"),
		RouteQueueURL:      getenv("ROUTE_QUEUE_URL"),
		DeliverQueueURL:    getenv("DELIVER_QUEUE_URL"),
		DeliverMaxAttempts: 5,
		ReopenWindow:       inbox.DefaultReopenWindow,
		LogLevel:           slog.LevelInfo,
	}
	if v := getenv("DELIVER_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Config{}, fmt.Errorf("DELIVER_MAX_ATTEMPTS=%q: want a whole number of at least 1", v)
		}
		c.DeliverMaxAttempts = n
	}
	if v := getenv("REOPEN_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return Config{}, fmt.Errorf("REOPEN_WINDOW=%q: want a Go duration such as 168h", v)
		}
		c.ReopenWindow = d
	}
	for name, d := range map[string]*time.Duration{"CSAT_FATIGUE": &c.CSATFatigue, "CSAT_WINDOW": &c.CSATWindow, "DORMANT_AFTER": &c.DormantAfter} {
		if v := getenv(name); v != "" {
			parsed, err := time.ParseDuration(v)
			if err != nil || parsed < 0 || (name != "CSAT_FATIGUE" && parsed == 0) {
				return Config{}, fmt.Errorf("%s=%q: want a Go duration such as 72h", name, v)
			}
			*d = parsed
		}
	}
	if v := getenv("LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return Config{}, fmt.Errorf("LOG_LEVEL=%q: want DEBUG, INFO, WARN or ERROR", v)
		}
	}
	if c.AgentNames != inbox.AgentFirstName && c.AgentNames != inbox.AgentTeamName {
		return Config{}, fmt.Errorf("AGENT_NAME_STYLE=%q: want first_name or team", c.AgentNames)
	}
	if v := getenv("SUPPORT_TIME_ZONE"); v != "" {
		loc, err := time.LoadLocation(v)
		if err != nil {
			return Config{}, fmt.Errorf("SUPPORT_TIME_ZONE=%q: want an IANA zone such as Europe/Madrid: %w", v, err)
		}
		c.TimeZone = loc
	}
	hours, err := inbox.ParseBusinessHours(getenv("BUSINESS_HOURS"), c.TimeZone)
	if err != nil {
		return Config{}, fmt.Errorf("BUSINESS_HOURS: %w", err)
	}
	c.BusinessHours = hours
	if v := getenv("OPENAI_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return Config{}, fmt.Errorf("OPENAI_TIMEOUT=%q: want a Go duration such as 8s", v)
		}
		c.OpenAITimeout = d
	}
	switch c.WhatsAppProvider {
	case "":
		c.WhatsAppProvider = "meta"
		if c.Meta.AccessToken == "" && c.Twilio.WhatsAppFrom != "" {
			c.WhatsAppProvider = "twilio"
		}
	case "meta", "twilio":
	default:
		return Config{}, fmt.Errorf("WHATSAPP_PROVIDER=%q: want meta or twilio", c.WhatsAppProvider)
	}
	if c.Email.FromName == "" {
		c.Email.FromName = c.TeamName
	}
	if c.SlackAPIURL != "" && !strings.HasSuffix(c.SlackAPIURL, "/") {
		c.SlackAPIURL += "/"
	}
	return c, nil
}

// TriageModel reports whether a model is configured for triage.
func (c Config) TriageModel() bool { return c.OpenAIBaseURL != "" || c.OpenAIAPIKey != "" }

// Require reports the first of the named settings that is empty.
func (c Config) Require(names ...string) error {
	values := map[string]string{
		"TABLE_NAME":           c.TableName,
		"SLACK_BOT_TOKEN":      c.SlackBotToken,
		"SLACK_SIGNING_SECRET": c.SlackSigningSecret,
		"SLACK_CHANNEL_ID":     c.SlackChannelID,
		"ROUTE_QUEUE_URL":      c.RouteQueueURL,
		"DELIVER_QUEUE_URL":    c.DeliverQueueURL,
	}
	for _, name := range names {
		v, known := values[name]
		if !known {
			return fmt.Errorf("config: %s is not a required setting", name)
		}
		if v == "" {
			return fmt.Errorf("config: %s is not set", name)
		}
	}
	return nil
}
