package report

import (
	"testing"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func TestDescribeHours(t *testing.T) {
	paris := mustLocation("Europe/Paris")
	tests := []struct{ spec, want string }{
		{"Mon-Fri 09:00-17:00", "Mon-Fri 09:00-17:00"},
		{"mon-fri 9:00-17:30", "Mon-Fri 09:00-17:30"},
		{"Sun-Thu 08:00-16:00", "Sun-Thu 08:00-16:00"},
		{"Fri-Mon 10:00-14:00", "Fri-Mon 10:00-14:00"},
		{"Mon,Wed,Fri 08:30-12:00", "Mon,Wed,Fri 08:30-12:00"},
		{"Sat,Sun 10:00-14:00", "Sat-Sun 10:00-14:00"},
		{"Sun 10:00-14:00", "Sun 10:00-14:00"},
		{"Mon-Sun 00:00-24:00", "Mon-Sun 00:00-24:00"},
		{"Tue-Wed,Fri-Sat 09:00-17:00", "Tue-Wed,Fri-Sat 09:00-17:00"},
	}
	for _, tt := range tests {
		h, err := inbox.ParseBusinessHours(tt.spec, paris)
		if err != nil {
			t.Fatalf("ParseBusinessHours(%q): %v", tt.spec, err)
		}
		got := describeHours(h)
		if got != tt.want {
			t.Errorf("describeHours(%q) = %q; want %q", tt.spec, got, tt.want)
		}
		if again, err := inbox.ParseBusinessHours(got, paris); err != nil || again != h {
			t.Errorf("describeHours(%q) = %q, which reads back as %+v, %v", tt.spec, got, again, err)
		}
	}
}
