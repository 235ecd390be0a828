package s3stub

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

const bucket = "switchboard-media"

// awkwardKey has spaces, non-ASCII letters and every character that means
// something in a URL.
const awkwardKey = "telegram/42/ñandú 日本 #1+2=3?&%.bin"

// newClient builds an S3 client as the wiring does with
// config.LoadDefaultConfig, whose checksum settings are written out here so
// that the test does not depend on the environment.
func newClient(endpoint string, hc *http.Client) *s3.Client {
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
		HTTPClient:                 hc,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
}

// payloadHashes wraps h and records the x-amz-content-sha256 of each PUT, so
// tests can show which upload encoding the SDK used.
type payloadHashes struct {
	h    http.Handler
	mu   sync.Mutex
	seen []string
}

func (p *payloadHashes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPut {
		p.mu.Lock()
		p.seen = append(p.seen, r.Header.Get("X-Amz-Content-Sha256"))
		p.mu.Unlock()
	}
	p.h.ServeHTTP(w, r)
}

func (p *payloadHashes) last() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.seen) == 0 {
		return ""
	}
	return p.seen[len(p.seen)-1]
}

// stack is a Server behind an httptest server, reached the way a test names.
type stack struct {
	stub   *Server
	hashes *payloadHashes
	client *s3.Client
	http   *http.Client
}

// servers are the ways the SDK reaches the stand-in: plain HTTP as in `make
// dev` (the SDK signs the payload and sends checksums as headers), TLS (the
// SDK switches to aws-chunked with a trailing checksum), and mounted under a
// prefix as the dev stack mounts it.
var servers = []struct {
	name  string
	start func(http.Handler) (*httptest.Server, string)
}{
	{"http", func(h http.Handler) (*httptest.Server, string) {
		ts := httptest.NewServer(h)
		return ts, ts.URL
	}},
	{"tls", func(h http.Handler) (*httptest.Server, string) {
		ts := httptest.NewTLSServer(h)
		return ts, ts.URL
	}},
	{"mounted", func(h http.Handler) (*httptest.Server, string) {
		mux := http.NewServeMux()
		mux.Handle("/_fake/s3/", http.StripPrefix("/_fake/s3", h))
		ts := httptest.NewServer(mux)
		return ts, ts.URL + "/_fake/s3"
	}},
}

func startStack(t *testing.T, start func(http.Handler) (*httptest.Server, string)) stack {
	t.Helper()
	stub := New()
	hashes := &payloadHashes{h: stub}
	ts, endpoint := start(hashes)
	t.Cleanup(ts.Close)
	return stack{stub: stub, hashes: hashes, client: newClient(endpoint, ts.Client()), http: ts.Client()}
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func crc32Base64(b []byte) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(b)))
}

func quotedMD5(b []byte) string {
	sum := md5.Sum(b)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

func TestPutGetHeadRoundTrip(t *testing.T) {
	body := randomBytes(t, 3<<20)
	wantHash := map[string]string{"http": hexSHA256(body), "tls": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "mounted": hexSHA256(body)}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			ctx := context.Background()
			st := startStack(t, srv.start)
			put, err := st.client.PutObject(ctx, &s3.PutObjectInput{
				Bucket:             aws.String(bucket),
				Key:                aws.String(awkwardKey),
				Body:               bytes.NewReader(body),
				ContentType:        aws.String("image/jpeg"),
				ContentDisposition: aws.String(`inline; filename="photo.jpg"`),
				Metadata:           map[string]string{"channel": "telegram"},
			})
			if err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			if got := st.hashes.last(); got != wantHash[srv.name] {
				t.Errorf("the SDK sent x-amz-content-sha256 %q; want %q", got, wantHash[srv.name])
			}
			if got, want := aws.ToString(put.ETag), quotedMD5(body); got != want {
				t.Errorf("PutObject ETag = %s; want %s", got, want)
			}

			get, err := st.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(awkwardKey)})
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			got, err := io.ReadAll(get.Body)
			get.Body.Close()
			if err != nil {
				t.Fatalf("reading GetObject body: %v", err)
			}
			if !bytes.Equal(got, body) {
				t.Errorf("GetObject body differs from what was put (%d bytes; want %d)", len(got), len(body))
			}
			// The SDK asks for the checksum by default and checks the body
			// against it, so this also proves the stored checksum right.
			if got, want := aws.ToString(get.ChecksumCRC32), crc32Base64(body); got != want {
				t.Errorf("GetObject ChecksumCRC32 = %q; want %q", got, want)
			}
			checkHeaders(t, "GetObject", aws.ToString(get.ContentType), aws.ToString(get.ETag), aws.ToInt64(get.ContentLength), get.LastModified != nil, get.Metadata, aws.ToString(get.ContentDisposition), body)

			head, err := st.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(awkwardKey)})
			if err != nil {
				t.Fatalf("HeadObject: %v", err)
			}
			checkHeaders(t, "HeadObject", aws.ToString(head.ContentType), aws.ToString(head.ETag), aws.ToInt64(head.ContentLength), head.LastModified != nil, head.Metadata, aws.ToString(head.ContentDisposition), body)

			if keys := st.stub.Objects(bucket); !slices.Equal(keys, []string{awkwardKey}) {
				t.Errorf("Objects(%q) = %q; want [%q]", bucket, keys, awkwardKey)
			}
			stored, contentType, ok := st.stub.Object(bucket, awkwardKey)
			if !ok || !bytes.Equal(stored, body) || contentType != "image/jpeg" {
				t.Errorf("Object(%q, %q) = %d bytes, %q, %v; want the body put, image/jpeg, true", bucket, awkwardKey, len(stored), contentType, ok)
			}
		})
	}
}

func checkHeaders(t *testing.T, op, contentType, etag string, length int64, hasModified bool, meta map[string]string, disposition string, body []byte) {
	t.Helper()
	if contentType != "image/jpeg" {
		t.Errorf("%s ContentType = %q; want image/jpeg", op, contentType)
	}
	if want := quotedMD5(body); etag != want {
		t.Errorf("%s ETag = %s; want %s", op, etag, want)
	}
	if length != int64(len(body)) {
		t.Errorf("%s ContentLength = %d; want %d", op, length, len(body))
	}
	if !hasModified {
		t.Errorf("%s has no LastModified", op)
	}
	if meta["channel"] != "telegram" {
		t.Errorf("%s Metadata = %v; want channel=telegram", op, meta)
	}
	if want := `inline; filename="photo.jpg"`; disposition != want {
		t.Errorf("%s ContentDisposition = %q; want %q", op, disposition, want)
	}
}

// nonSeekable hides the Seek method of a bytes.Reader, as an HTTP response
// body or a pipe would.
type nonSeekable struct{ io.Reader }

// TestPutNonSeekable covers the SDK's default upload of a body it cannot
// rewind: over TLS, aws-chunked with a trailing CRC32 and no payload hash.
func TestPutNonSeekable(t *testing.T) {
	ctx := context.Background()
	st := startStack(t, servers[1].start)
	body := randomBytes(t, 200_000) // several 64 KB aws-chunks

	_, err := st.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(awkwardKey),
		Body:          nonSeekable{bytes.NewReader(body)},
		ContentLength: aws.Int64(int64(len(body))),
	})
	if err != nil {
		t.Fatalf("PutObject with a non-seekable body and its length: %v", err)
	}
	if got, want := st.hashes.last(), "STREAMING-UNSIGNED-PAYLOAD-TRAILER"; got != want {
		t.Errorf("the SDK sent x-amz-content-sha256 %q; want %q", got, want)
	}
	got, _, _ := st.stub.Object(bucket, awkwardKey)
	if !bytes.Equal(got, body) {
		t.Errorf("stored %d bytes that differ from the %d put", len(got), len(body))
	}

	// Without a length the SDK sends no x-amz-decoded-content-length, and S3
	// refuses the upload: the stand-in must not hide that.
	_, err = st.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket),
		Key:    aws.String("no-length"),
		Body:   nonSeekable{bytes.NewReader(body)},
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "MissingContentLength" {
		t.Errorf("PutObject of a body of unknown length: err = %v; want MissingContentLength", err)
	}
	if _, _, ok := st.stub.Object(bucket, "no-length"); ok {
		t.Error("the refused upload was stored")
	}
}

func TestMissingKey(t *testing.T) {
	ctx := context.Background()
	st := startStack(t, servers[0].start)
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("gone"), Body: strings.NewReader("x")}
	if _, err := st.client.PutObject(ctx, in); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if _, err := st.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("gone")}); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	for _, key := range []string{"never-put", "gone"} {
		_, err := st.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		var noKey *types.NoSuchKey
		if !errors.As(err, &noKey) {
			t.Errorf("GetObject(%q): err = %v; want *types.NoSuchKey", key, err)
		}
		_, err = st.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		var notFound *types.NotFound
		if !errors.As(err, &notFound) {
			t.Errorf("HeadObject(%q): err = %v; want *types.NotFound", key, err)
		}
	}
}

func TestPresignedGet(t *testing.T) {
	ctx := context.Background()
	st := startStack(t, servers[2].start)
	body := []byte("%PDF-1.7 invoice")
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(awkwardKey), Body: bytes.NewReader(body), ContentType: aws.String("application/pdf")}
	if _, err := st.client.PutObject(ctx, in); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	presign := s3.NewPresignClient(st.client)

	tests := []struct {
		name            string
		key             string
		disposition     string
		wantStatus      int
		wantBody        string
		wantDisposition string
	}{
		{name: "object", key: awkwardKey, wantStatus: http.StatusOK, wantBody: string(body)},
		{name: "download name", key: awkwardKey, disposition: `attachment; filename="invoice.pdf"`, wantStatus: http.StatusOK, wantBody: string(body), wantDisposition: `attachment; filename="invoice.pdf"`},
		{name: "missing", key: "nope", wantStatus: http.StatusNotFound, wantBody: "<Code>NoSuchKey</Code>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(tt.key)}
			if tt.disposition != "" {
				in.ResponseContentDisposition = aws.String(tt.disposition)
			}
			req, err := presign.PresignGetObject(ctx, in)
			if err != nil {
				t.Fatalf("PresignGetObject: %v", err)
			}
			resp, err := http.Get(req.URL)
			if err != nil {
				t.Fatalf("GET presigned URL: %v", err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(got), tt.wantBody) {
				t.Fatalf("GET presigned URL = %d %q; want %d with %q", resp.StatusCode, got, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/pdf" {
				t.Errorf("Content-Type = %q; want application/pdf", ct)
			}
			if cd := resp.Header.Get("Content-Disposition"); cd != tt.wantDisposition {
				t.Errorf("Content-Disposition = %q; want %q", cd, tt.wantDisposition)
			}
		})
	}
}

// TestRefusesWhatS3Refuses sends uploads S3 would reject and checks that
// the stand-in answers as S3 does and stores nothing.
func TestRefusesWhatS3Refuses(t *testing.T) {
	ts := httptest.NewServer(New())
	defer ts.Close()
	trailer := "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"
	chunked := map[string]string{"X-Amz-Content-Sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding": "aws-chunked", "X-Amz-Trailer": "x-amz-checksum-crc32"}
	with := func(base map[string]string, k, v string) map[string]string {
		h := map[string]string{k: v}
		for name, value := range base {
			if name != k {
				h[name] = value
			}
		}
		return h
	}
	tests := []struct {
		name       string
		method     string
		path       string
		headers    map[string]string
		body       string
		wantStatus int
		wantCode   string
	}{
		{"wrong CRC32", "PUT", "/b/k", map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="}, "hello", 400, "BadDigest"},
		{"wrong signed payload hash", "PUT", "/b/k", map[string]string{"X-Amz-Content-Sha256": hexSHA256([]byte("other"))}, "hello", 400, "XAmzContentSHA256Mismatch"},
		{"wrong Content-MD5", "PUT", "/b/k", map[string]string{"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="}, "hello", 400, "BadDigest"},
		{"aws-chunked without decoded length", "PUT", "/b/k", chunked, trailer, 411, "MissingContentLength"},
		{"aws-chunked with a wrong trailer", "PUT", "/b/k", with(chunked, "X-Amz-Decoded-Content-Length", "5"), strings.Replace(trailer, "NhCmhg==", "AAAAAA==", 1), 400, "BadDigest"},
		{"aws-chunked shorter than announced", "PUT", "/b/k", with(chunked, "X-Amz-Decoded-Content-Length", "6"), trailer, 400, "IncompleteBody"},
		{"aws-chunked without its announced trailer", "PUT", "/b/k", with(with(chunked, "X-Amz-Decoded-Content-Length", "5"), "X-Amz-Trailer", "x-amz-checksum-sha256"), trailer, 400, "MalformedTrailerError"},
		{"aws-chunked cut short", "PUT", "/b/k", with(chunked, "X-Amz-Decoded-Content-Length", "5"), trailer[:20], 400, "IncompleteBody"},
		{"multipart upload", "POST", "/b/k?uploads", nil, "", 501, "NotImplemented"},
		{"bucket listing", "GET", "/b", nil, "", 501, "NotImplemented"},
		{"copy", "PUT", "/b/k", map[string]string{"X-Amz-Copy-Source": "/b/other"}, "", 501, "NotImplemented"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(got), "<Code>"+tt.wantCode+"</Code>") {
				t.Errorf("%s %s = %d %s; want %d %s", tt.method, tt.path, resp.StatusCode, got, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	st := startStack(t, servers[0].start)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			key := "k" + string(rune('a'+i))
			in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(key)}
			if _, err := st.client.PutObject(ctx, in); err != nil {
				t.Errorf("PutObject(%q): %v", key, err)
				return
			}
			if _, err := st.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
				t.Errorf("GetObject(%q): %v", key, err)
			}
			_ = st.stub.Objects(bucket)
		})
	}
	wg.Wait()
	if got := len(st.stub.Objects(bucket)); got != 8 {
		t.Errorf("%d objects stored; want 8", got)
	}
}
