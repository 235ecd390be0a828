package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func exportStore() *fakeStore {
	store := testStore()
	opened := at("2026-11-02", 9*time.Hour)
	store.conversations = []inbox.Conversation{
		// Opened before the window, and on the first instant after it: neither is exported.
		{ID: "01BEFORE", OpenedAt: at("2026-10-30", 0).Add(-time.Second)},
		{ID: "01RESOLVED", Channel: inbox.ChannelEmail, CustomerID: "C1", CustomerName: "=HYPERLINK(\"http://evil\")",
			Status: inbox.StatusResolved, OpenedAt: opened, FirstResponseAt: opened.Add(90 * time.Second),
			ReopenCount: 1, ReopenedAt: opened.Add(48 * time.Hour), ResolvedAt: opened.Add(50 * time.Hour),
			Triage: &inbox.Triage{Category: "billing"}, Priority: inbox.PriorityHigh, AssigneeID: "U1", AssigneeName: "@Ana"},
		{ID: "01OPEN", Channel: inbox.ChannelSMS, CustomerID: "C2", CustomerName: "+33 6 12 34 56 78",
			Status: inbox.StatusOpen, OpenedAt: at("2026-11-21", 23*time.Hour+59*time.Minute), AssigneeID: "U2"},
		{ID: "01PLAIN", Channel: inbox.ChannelChat, CustomerID: "C3", CustomerName: "-1+1, \"quoted\"\nname",
			Status: inbox.StatusPending, OpenedAt: at("2026-11-05", 12*time.Hour)},
		{ID: "01AFTER", OpenedAt: at("2026-11-22", 0)},
	}
	return store
}

func TestExport(t *testing.T) {
	store := exportStore()
	var out bytes.Buffer
	if err := testService(store).Export(context.Background(), testQuery, &out); err != nil {
		t.Fatal(err)
	}
	dailyPart, conversationPart, found := strings.Cut(out.String(), "\n\n")
	if !found {
		t.Fatalf("export has no blank line between its sections:\n%s", out.String())
	}
	daily := readCSV(t, dailyPart)
	if !slices.Equal(daily[0], dailyHeader) || len(daily) != 1+23 {
		t.Fatalf("daily section: header %q and %d rows; want %q and 23", daily[0], len(daily)-1, dailyHeader)
	}
	frtMedian, frtP90 := number(estimate(time.Minute)), number(estimate(time.Hour))
	wantDays := map[int][]string{
		1:  {"2026-10-30", "3", "0", "1", "5", "4", "6", "3", frtMedian, frtP90, "1230", "", "", "1", "1"},
		2:  {"2026-10-31", "0", "0", "0", "0", "0", "6", "0", "", "", "", "", "", "0", ""},
		4:  {"2026-11-02", "1", "1", "1", "0", "0", "7", "0", "", "", "", "", "", "2", "0.5"},
		23: {"2026-11-21", "0", "0", "1", "0", "0", "6", "0", "", "", "", "", "", "0", ""},
	}
	for i, want := range wantDays {
		if !slices.Equal(daily[i], want) {
			t.Errorf("daily row %d = %q; want %q", i, daily[i], want)
		}
	}
	conversations := readCSV(t, conversationPart)
	want := [][]string{
		conversationHeader,
		{"01RESOLVED", "email", "C1", "'=HYPERLINK(\"http://evil\")", "2026-11-02T09:00:00+01:00", "resolved", "2026-11-04T11:00:00+01:00",
			"1", "billing", "high", "'@Ana", "90", "7200"},
		{"01OPEN", "sms", "C2", "'+33 6 12 34 56 78", "2026-11-21T23:59:00+01:00", "open", "", "0", "", "", "U2", "", ""},
		{"01PLAIN", "chat", "C3", "'-1+1, \"quoted\"\nname", "2026-11-05T12:00:00+01:00", "pending", "", "0", "", "", "", "", ""},
	}
	if !slices.EqualFunc(conversations, want, slices.Equal) {
		t.Errorf("conversation section =\n%q\nwant\n%q", conversations, want)
	}
	if last := store.reads[len(store.reads)-1]; last != "OpenedConversations 2026-10-30T00:00:00+01:00..2026-11-22T00:00:00+01:00" {
		t.Errorf("last read = %q; want the conversations opened from the start of the 30th to the end of the 21st", last)
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Ana", "Ana"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"a=1", "a=1"},
		{" =1", " =1"},
	}
	for _, tt := range tests {
		if got := text(tt.in); got != tt.want {
			t.Errorf("text(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestExportFailure(t *testing.T) {
	store := exportStore()
	store.err = errors.New("throttled")
	var out bytes.Buffer
	if err := testService(store).Export(context.Background(), testQuery, &out); err == nil || out.Len() != 0 {
		t.Errorf("Export with a failing store = %v, %d bytes written; want the error and nothing written", err, out.Len())
	}
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read CSV %q: %v", s, err)
	}
	return records
}
