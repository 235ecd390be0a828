package s3stub

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeAWSChunked(t *testing.T) {
	tests := []struct {
		name         string
		fixture      string // a testdata file, or
		body         string // the body itself
		limit        int64
		want         string
		wantTrailers map[string]string
		wantErr      bool
	}{
		{name: "unsigned with trailer", fixture: "unsigned_trailer.chunked", limit: 5, want: "hello", wantTrailers: map[string]string{"X-Amz-Checksum-Crc32": "NhCmhg=="}},
		{name: "signed chunks", fixture: "signed_chunks.CONSTRUCTED.chunked", limit: 66560, want: strings.Repeat("a", 66560), wantTrailers: map[string]string{}},
		{name: "signed with trailer", fixture: "signed_trailer.CONSTRUCTED.chunked", limit: 22, want: "Hello, signed trailer\n", wantTrailers: map[string]string{"X-Amz-Checksum-Crc32c": "ItRBtA==", "X-Amz-Trailer-Signature": strings.Repeat("6", 64)}},
		{name: "empty object", body: "0\r\n\r\n", limit: 0, want: "", wantTrailers: map[string]string{}},
		{name: "two chunks", body: "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", limit: 5, want: "abcde", wantTrailers: map[string]string{}},
		{name: "longer than the limit", body: "3\r\nabc\r\n0\r\n\r\n", limit: 2, wantErr: true},
		{name: "bad size", body: "zz\r\nabc\r\n0\r\n\r\n", limit: 5, wantErr: true},
		{name: "negative size", body: "-3\r\nabc\r\n0\r\n\r\n", limit: 5, wantErr: true},
		{name: "short chunk", body: "5\r\nabc\r\n0\r\n\r\n", limit: 5, wantErr: true},
		{name: "no CRLF after data", body: "3\r\nabcX\r\n0\r\n\r\n", limit: 5, wantErr: true},
		{name: "bare LF", body: "3\nabc\n0\n\n", limit: 5, wantErr: true},
		{name: "no final CRLF", body: "3\r\nabc\r\n0\r\n", limit: 5, wantErr: true},
		{name: "data after the end", body: "3\r\nabc\r\n0\r\n\r\nmore", limit: 5, wantErr: true},
		{name: "trailer without colon", body: "0\r\nx-amz-checksum-crc32\r\n\r\n", limit: 5, wantErr: true},
		{name: "too many trailers", body: "0\r\n" + strings.Repeat("a:b\r\n", maxTrailers+1) + "\r\n", limit: 5, wantErr: true},
		{name: "overlong line", body: strings.Repeat("0", maxChunkLine+1) + "\r\n\r\n", limit: 5, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.body)
			if tt.fixture != "" {
				in = readFixture(t, tt.fixture)
			}
			got, trailers, err := decodeAWSChunked(bytes.NewReader(in), tt.limit)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("decodeAWSChunked(%q) = %q, nil; want an error", tt.body, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeAWSChunked: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("body = %.40q (%d bytes); want %.40q (%d bytes)", got, len(got), tt.want, len(tt.want))
			}
			if len(trailers) != len(tt.wantTrailers) {
				t.Errorf("trailers = %v; want %v", trailers, tt.wantTrailers)
			}
			for k, v := range tt.wantTrailers {
				if trailers.Get(k) != v {
					t.Errorf("trailer %s = %q; want %q", k, trailers.Get(k), v)
				}
			}
		})
	}
}

func TestVerifyChecksums(t *testing.T) {
	body := []byte("Hello, signed trailer\n")
	tests := []struct {
		name     string
		header   string
		value    string
		wantKept bool
		wantErr  bool
	}{
		{name: "crc32c", header: "x-amz-checksum-crc32c", value: "ItRBtA==", wantKept: true},
		{name: "sha256", header: "x-amz-checksum-sha256", value: "B/65iGDKpq+w+0/YeKmf8mec7JToV30S1itkByJgI+U=", wantKept: true},
		{name: "wrong crc64nvme", header: "x-amz-checksum-crc64nvme", value: "AAAAAAAAAAA=", wantErr: true},
		{name: "unknown checksum header ignored", header: "x-amz-checksum-type", value: "FULL_OBJECT"},
		{name: "malformed Content-MD5", header: "Content-MD5", value: "not base64", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set(tt.header, tt.value)
			kept, err := verifyChecksums(body, h, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("verifyChecksums: err = %v; want error %v", err, tt.wantErr)
			}
			if got := kept[1] == tt.value; got != tt.wantKept {
				t.Errorf("kept = %q; want it kept: %v", kept, tt.wantKept)
			}
		})
	}
}

func FuzzDecodeAWSChunked(f *testing.F) {
	for _, name := range []string{"unsigned_trailer.chunked", "signed_chunks.CONSTRUCTED.chunked", "signed_trailer.CONSTRUCTED.chunked"} {
		f.Add(readFixture(f, name), int64(1<<17))
	}
	f.Add([]byte("3\r\nabc\r\n0\r\n\r\n"), int64(2))
	f.Fuzz(func(t *testing.T, in []byte, limit int64) {
		if limit < 0 || limit > 1<<20 {
			t.Skip()
		}
		body, trailers, err := decodeAWSChunked(bytes.NewReader(in), limit)
		if err != nil {
			return
		}
		if int64(len(body)) > limit {
			t.Errorf("decoded %d bytes past the limit %d", len(body), limit)
		}
		if len(trailers) > maxTrailers {
			t.Errorf("%d trailers; the bound is %d", len(trailers), maxTrailers)
		}
	})
}
