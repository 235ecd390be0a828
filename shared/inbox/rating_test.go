package inbox

import (
	"strings"
	"testing"
	"time"
)

const convID = "01JCSAT0000000000000000000"

func TestSurveyPayloadRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 42} {
		for score := MinScore; score <= MaxScore; score++ {
			p := SurveyPayload(convID, n, score)
			if len(p) > 64 {
				t.Errorf("payload %q is %d bytes; Telegram takes 64", p, len(p))
			}
			a, ok := ParseSurveyPayload(p)
			if !ok || a != (SurveyAnswer{ConversationID: convID, Interaction: n, Score: score}) {
				t.Errorf("ParseSurveyPayload(%q) = %+v, %v", p, a, ok)
			}
		}
	}
}

func TestParseSurveyPayloadRejects(t *testing.T) {
	for _, p := range []string{
		"", "csat:", "hello", "CSAT:" + convID + ":0:5", "csat:" + convID + ":0:6", "csat:" + convID + ":0:0",
		"csat:" + convID + ":-1:5", "csat:" + convID + ":01:5", "csat:" + convID + ":0:05", "csat:" + convID + ":0:5:1",
		"csat:" + strings.ToLower(convID) + ":0:5", "csat:short:0:5", "csat:" + convID + "::5", "csat:" + convID + ":99999:5",
	} {
		if a, ok := ParseSurveyPayload(p); ok {
			t.Errorf("ParseSurveyPayload(%q) = %+v; want rejected", p, a)
		}
	}
}

func TestScoreReply(t *testing.T) {
	tests := []struct {
		text  string
		score int
	}{
		{"5", 5}, {" 4 ", 4}, {"1.", 1}, {"3!", 3}, {"4/5", 4}, {"4️⃣", 4}, {"2\n", 2},
		{"0", 0}, {"6", 0}, {"10", 0}, {"5 stars", 0}, {"", 0}, {"five", 0}, {"45", 0}, {"-3", 0}, {"4/10", 0},
	}
	for _, tt := range tests {
		score, ok := ScoreReply(tt.text)
		if score != tt.score || ok != (tt.score != 0) {
			t.Errorf("ScoreReply(%q) = %d, %v; want %d", tt.text, score, ok, tt.score)
		}
	}
}

func TestPendingSurveyAnswers(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	p := PendingSurvey{ConversationID: convID, Interaction: 1, Until: now.Add(time.Hour)}
	tests := []struct {
		name   string
		latest Latest
		at     time.Time
		want   bool
	}{
		{"resolved, in time", Latest{ConversationID: convID, Status: StatusResolved}, now, true},
		{"after the window", Latest{ConversationID: convID, Status: StatusResolved}, now.Add(time.Hour), false},
		{"reopened since", Latest{ConversationID: convID, Status: StatusOpen}, now, false},
		{"a newer conversation", Latest{ConversationID: "01JOTHER000000000000000000", Status: StatusResolved}, now, false},
	}
	for _, tt := range tests {
		if got := p.Answers(tt.latest, tt.at); got != tt.want {
			t.Errorf("%s: Answers = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestRatingRows(t *testing.T) {
	r := Rating{Channel: ChannelSMS, Category: "billing", Agents: []Agent{{ID: "U1", Name: "Ada"}, {ID: "U2", Name: "Bo"}}}
	rows := RatingRows(r)
	want := []StatRow{
		{Dimension: DimensionAll}, {Dimension: DimensionChannel, Value: "sms"}, {Dimension: DimensionCategory, Value: "billing"},
		{Dimension: DimensionAgent, Value: "U1", Name: "Ada"}, {Dimension: DimensionAgent, Value: "U2", Name: "Bo"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows = %+v", rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v; want %+v", i, rows[i], want[i])
		}
	}
}

func TestDayUsesTheTeamsZone(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	at := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	if got := Day(at, la); got != "2026-11-23" {
		t.Errorf("Day in Los Angeles = %s", got)
	}
	if got := Day(at, nil); got != "2026-11-24" {
		t.Errorf("Day in UTC = %s", got)
	}
}

func FuzzParseSurveyPayload(f *testing.F) {
	f.Add(SurveyPayload(convID, 3, 4))
	f.Add("csat:" + convID + ":0:9")
	f.Add("postback:hello")
	f.Fuzz(func(t *testing.T, p string) {
		a, ok := ParseSurveyPayload(p)
		if !ok {
			return
		}
		if !ValidScore(a.Score) || a.Interaction < 0 || SurveyPayload(a.ConversationID, a.Interaction, a.Score) != p {
			t.Fatalf("ParseSurveyPayload(%q) = %+v does not round-trip", p, a)
		}
	})
}

func FuzzScoreReply(f *testing.F) {
	for _, s := range []string{"5", "4/5", "4️⃣", "3!", "hello", "10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		score, ok := ScoreReply(text)
		if ok != ValidScore(score) || (ok && !strings.ContainsRune(text, rune('0'+score))) {
			t.Fatalf("ScoreReply(%q) = %d, %v", text, score, ok)
		}
	})
}
