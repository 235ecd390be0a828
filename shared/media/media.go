// Package media keeps the files customers send (photos, documents, the
// original of every email) in a private S3 bucket and gives agents links
// to them that work from Slack without an AWS login: a link signed with
// our secret, answered with a redirect to a short-lived presigned URL.
package media

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// S3 is the part of the S3 API the store uses.
type S3 interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Presigner signs GET URLs; s3.PresignClient is one.
type Presigner interface {
	PresignGetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// presignedFor is how long the redirect target of a link works: long
// enough to download, short enough that a leaked URL is soon useless.
const presignedFor = 5 * time.Minute

// Store saves and opens media in one bucket.
type Store struct {
	S3      S3
	Presign Presigner
	Bucket  string
	// BaseURL is the public URL of the HTTP API, which serves /media/.
	BaseURL string
	// Secret signs links; without it no link is made or honoured.
	Secret string
}

// Save stores a file under key and returns it as an attachment. Callers
// bound the size; the body is buffered because S3 needs its length.
func (s *Store) Save(ctx context.Context, key string, body io.Reader, contentType, name string) (inbox.Attachment, error) {
	key = SafeKey(key)
	data, err := io.ReadAll(body)
	if err != nil {
		return inbox.Attachment{}, fmt.Errorf("read media %s: %w", key, err)
	}
	if contentType == "" {
		contentType = http.DetectContentType(data)
	}
	_, err = s.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.Bucket, Key: &key, Body: bytes.NewReader(data),
		ContentType: &contentType, ContentLength: aws.Int64(int64(len(data))),
	})
	if err != nil {
		return inbox.Attachment{}, fmt.Errorf("store media %s: %w", key, err)
	}
	return inbox.Attachment{Name: name, ContentType: contentType, Size: int64(len(data)), Key: key}, nil
}

// Open returns a stored file and its size, or inbox.ErrNotFound.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	out, err := s.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.Bucket, Key: &key})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, 0, fmt.Errorf("open media %s: %w", key, inbox.ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("open media %s: %w", key, err)
	}
	return out.Body, aws.ToInt64(out.ContentLength), nil
}

// SafeKey keeps keys to characters that survive every layer between a
// Slack link and S3 unchanged: a path segment with anything else (a
// WhatsApp id's "/" or "+", a file name in any script) becomes a hash of
// itself, the same on every retry.
func SafeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		if p == "" || p == "." || p == ".." || strings.TrimLeft(p, safeKeyChars) != "" {
			sum := sha256.Sum256([]byte(p))
			parts[i] = "h-" + hex.EncodeToString(sum[:12])
		}
	}
	return strings.Join(parts, "/")
}

const safeKeyChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

// inlineTypes are the only files a browser shows instead of downloading:
// images that cannot run script. The type is the stored one, signed into
// the link, so neither the file name nor the link decides.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// URL is the link agents follow to an attachment; empty when links are
// not configured. The name and type it names are signed with the key.
func (s *Store) URL(a inbox.Attachment) string {
	if s.Secret == "" || s.BaseURL == "" {
		return ""
	}
	v := url.Values{"sig": {s.sign(a.Key, a.Name, a.ContentType)}}
	if a.Name != "" {
		v.Set("name", a.Name)
	}
	if a.ContentType != "" {
		v.Set("type", a.ContentType)
	}
	return s.BaseURL + "/media/" + a.Key + "?" + v.Encode()
}

func (s *Store) sign(key, name, contentType string) string {
	mac := hmac.New(sha256.New, []byte(s.Secret))
	mac.Write([]byte("media\x00" + key + "\x00" + name + "\x00" + contentType))
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

// ServeHTTP answers GET /media/{key}?sig= with a redirect to the file.
// Files download, except images of an allowed type, so a customer's HTML
// or SVG never runs in a browser as a page.
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	key := strings.TrimPrefix(r.URL.Path, "/media/")
	q := r.URL.Query()
	name, contentType := q.Get("name"), q.Get("type")
	if key == "" || SafeKey(key) != key || s.Secret == "" ||
		!hmac.Equal([]byte(q.Get("sig")), []byte(s.sign(key, name, contentType))) {
		http.Error(w, "This link is not valid.", http.StatusForbidden)
		return
	}
	if name == "" {
		name = key[strings.LastIndex(key, "/")+1:]
	}
	disposition, served := "attachment", "application/octet-stream"
	if inlineTypes[contentType] {
		disposition, served = "inline", contentType
	}
	if header := mime.FormatMediaType(disposition, map[string]string{"filename": name}); header != "" {
		disposition = header
	}
	in := &s3.GetObjectInput{Bucket: &s.Bucket, Key: &key,
		ResponseContentDisposition: aws.String(disposition), ResponseContentType: aws.String(served)}
	req, err := s.Presign.PresignGetObject(r.Context(), in, s3.WithPresignExpires(presignedFor))
	if err != nil {
		http.Error(w, "The file cannot be opened right now.", http.StatusBadGateway)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, req.URL, http.StatusFound)
}
