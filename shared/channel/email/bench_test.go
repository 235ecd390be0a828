package email

import (
	"bytes"
	"strings"
	"testing"
)

// BenchmarkParse measures what email-inbound spends on a typical reply
// (Gmail, quoted history) and on a mail with a 10 MB attachment.
func BenchmarkParse(b *testing.B) {
	reply := readFixture(b, "gmail_reply.eml")
	big := tenMegabyteMail(b)
	for _, bc := range []struct {
		name string
		raw  []byte
	}{{"gmail-reply", reply}, {"10MB-attachment", big}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.raw)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Parse(bc.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func tenMegabyteMail(b *testing.B) []byte {
	b.Helper()
	var buf bytes.Buffer
	buf.WriteString("From: Ada <ada@example.com>\r\nTo: support@example.com\r\nSubject: big\r\nMessage-ID: <big@example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	line := strings.Repeat("QUJD", 19) + "\r\n"
	for buf.Len() < 10<<20*4/3 {
		buf.WriteString(line)
	}
	buf.WriteString("--b1--\r\n")
	return buf.Bytes()
}
