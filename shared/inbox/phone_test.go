package inbox

import "testing"

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+34 600-11-22-33", "+34600112233"},
		{"whatsapp:+14155550100", "+14155550100"},
		{"34600112233", "+34600112233"},
		{"+1 (415) 555-0100", "+14155550100"},
		{"0034600112233", "+34600112233"},
		{"600", ""},
		{"+1234567890123456", ""},
		{"+34 600 abc", ""},
		{"", ""},
		{"+0123456789", ""},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+34 600-11-22-33", "whatsapp:+14155550100", "0034600112233", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePhone(s)
		if err != nil {
			return
		}
		again, err := NormalizePhone(got)
		if err != nil || again != got {
			t.Errorf("NormalizePhone(%q) = %q, which normalises to %q, %v", s, got, again, err)
		}
	})
}
