// Package s3stub is a local stand-in for Amazon S3, used by `make dev` and by
// tests: an in-memory object store that answers the requests the AWS SDK for
// Go v2 S3 client sends with path-style addressing (PutObject, GetObject,
// HeadObject, DeleteObject), including aws-chunked uploads with trailing
// checksums, and GETs of presigned URLs.
//
// It does not check signatures, presigned or not, nor the expiry of presigned
// URLs: any credentials will do. It does check what it can of the payload
// (its length, its SHA-256 when signed, and x-amz-checksum-* values) so that
// a client bug that would corrupt an upload to S3 fails here too. Buckets need
// not be created; bucket-level operations and multipart uploads answer
// NotImplemented.
//
// Two things to know when wiring it. Mounted on an http.ServeMux, keys with
// empty or dot segments ("a//b", "a/./b") are redirected by the mux's path
// cleaning before they reach the stand-in. And over plain HTTP, as in `make
// dev`, the SDK refuses a PutObject body it cannot rewind before sending
// anything (it only streams with trailing checksums over TLS): upload a
// bytes.Reader, or set ContentLength and use TLS.
package s3stub

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxObject bounds what one PutObject may store: the stand-in keeps every
// object in memory, and Switchboard's largest objects are raw emails (SES
// accepts up to 40 MB) and media (channels stop at 25 MB).
const maxObject = 64 << 20

// storedHeaders are the standard headers PutObject keeps and GetObject and
// HeadObject return, as S3 does.
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

type object struct {
	body        []byte
	contentType string
	headers     http.Header // storedHeaders and x-amz-meta-* as they were put
	etag        string
	modified    time.Time
	checksum    [2]string // the x-amz-checksum-* header and value the client sent, if any
}

// Server is the S3 stand-in. Create it with New; it is safe for concurrent use.
type Server struct {
	mu      sync.Mutex
	buckets map[string]map[string]*object
}

// New returns an empty Server.
func New() *Server {
	return &Server{buckets: make(map[string]map[string]*object)}
}

// Objects returns the keys in bucket, sorted.
func (s *Server) Objects(bucket string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.buckets[bucket]))
}

// Object returns a copy of the body of the object key in bucket and its
// Content-Type; ok is false if there is no such object.
func (s *Server) Object(bucket, key string) (body []byte, contentType string, ok bool) {
	obj := s.get(bucket, key)
	if obj == nil {
		return nil, "", false
	}
	return bytes.Clone(obj.body), obj.contentType, true
}

// get returns the object key in bucket, or nil. Stored objects are never
// modified, only replaced, so the caller may read it without the lock.
func (s *Server) get(bucket, key string) *object {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buckets[bucket][key]
}

func (s *Server) put(bucket, key string, obj *object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[bucket] == nil {
		s.buckets[bucket] = make(map[string]*object)
	}
	s.buckets[bucket][key] = obj
}

func (s *Server) delete(bucket, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.buckets[bucket], key)
}

// newObject describes body as put by r, whose checksum header, if any, has
// already been verified.
func newObject(r *http.Request, body []byte, checksum [2]string, now time.Time) *object {
	sum := md5.Sum(body)
	obj := &object{
		body:        body,
		contentType: r.Header.Get("Content-Type"),
		headers:     make(http.Header),
		etag:        `"` + hex.EncodeToString(sum[:]) + `"`,
		// HTTP dates have whole seconds; keeping more would make
		// If-Modified-Since with the Last-Modified we sent fail.
		modified: now.UTC().Truncate(time.Second),
		checksum: checksum,
	}
	if obj.contentType == "" {
		obj.contentType = "binary/octet-stream" // what S3 stores when none is given
	}
	for _, name := range storedHeaders {
		if v := r.Header.Get(name); v != "" {
			obj.headers.Set(name, v)
		}
	}
	if enc := withoutAWSChunked(obj.headers.Get("Content-Encoding")); enc != "" {
		obj.headers.Set("Content-Encoding", enc)
	} else {
		obj.headers.Del("Content-Encoding")
	}
	for name, values := range r.Header {
		if strings.HasPrefix(strings.ToLower(name), "x-amz-meta-") {
			obj.headers[name] = slices.Clone(values)
		}
	}
	return obj
}
