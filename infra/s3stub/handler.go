package s3stub

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ServeHTTP answers path-style object requests: /{bucket}/{key...}. Mount it
// under any prefix with http.StripPrefix, which strips the escaped path too.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key, err := splitPath(r.URL.EscapedPath())
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "InvalidURI", "Couldn't parse the specified URI.", "", "")
		return
	}
	if bucket == "" || key == "" {
		writeError(w, r, http.StatusNotImplemented, "NotImplemented", "The stand-in serves object operations only.", bucket, key)
		return
	}
	if sub, ok := subresource(r.URL.Query()); ok {
		writeError(w, r, http.StatusNotImplemented, "NotImplemented", "The stand-in does not implement ?"+sub+".", bucket, key)
		return
	}
	switch r.Method {
	case http.MethodPut:
		s.servePut(w, r, bucket, key)
	case http.MethodGet, http.MethodHead:
		s.serveGet(w, r, bucket, key)
	case http.MethodDelete:
		s.delete(bucket, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.", bucket, key)
	}
}

// splitPath decodes the bucket and key from an escaped path. It works on the
// escaped form because a key may contain an escaped "/" or "%".
func splitPath(escaped string) (bucket, key string, err error) {
	rawBucket, rawKey, _ := strings.Cut(strings.TrimPrefix(escaped, "/"), "/")
	if bucket, err = url.PathUnescape(rawBucket); err != nil {
		return "", "", err
	}
	if key, err = url.PathUnescape(rawKey); err != nil {
		return "", "", err
	}
	return bucket, key, nil
}

// subresource reports a query parameter that selects an operation the
// stand-in does not implement (?uploads, ?tagging, ?acl...), so such requests
// fail instead of being taken for a plain PutObject or GetObject. Presigning
// parameters, x-id and response-* overrides are part of the plain operations.
func subresource(q url.Values) (string, bool) {
	for name := range q {
		lower := strings.ToLower(name)
		if lower != "x-id" && !strings.HasPrefix(lower, "x-amz-") && !strings.HasPrefix(lower, "response-") {
			return name, true
		}
	}
	return "", false
}

func (s *Server) servePut(w http.ResponseWriter, r *http.Request, bucket, key string) {
	if r.Header.Get("X-Amz-Copy-Source") != "" {
		writeError(w, r, http.StatusNotImplemented, "NotImplemented", "The stand-in does not implement CopyObject.", bucket, key)
		return
	}
	// S3 needs the object's length up front: Content-Length, or for
	// aws-chunked x-amz-decoded-content-length. It refuses a plain body sent
	// with Transfer-Encoding: chunked, as the SDK sends one of unknown length.
	if r.ContentLength < 0 && !isAWSChunked(r) {
		writeError(w, r, http.StatusNotImplemented, "NotImplemented", "A header you provided implies functionality that is not implemented", bucket, key)
		return
	}
	// aws-chunked framing adds a little to the object's size; twice the
	// largest object is plenty, and bounds what the decoder may read.
	if r.ContentLength > 2*maxObject {
		writeError(w, r, http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", bucket, key)
		return
	}
	body, trailers, err := readPayload(r)
	var checksum [2]string
	if err == nil {
		checksum, err = verifyChecksums(body, r.Header, trailers)
	}
	if err != nil {
		pe := asPayloadError(err)
		writeError(w, r, pe.status, pe.code, pe.message, bucket, key)
		return
	}
	obj := newObject(r, body, checksum, time.Now())
	s.put(bucket, key, obj)
	w.Header().Set("ETag", obj.etag)
	if checksum[0] != "" {
		w.Header().Set(checksum[0], checksum[1])
	}
	w.WriteHeader(http.StatusOK)
}

// responseOverrides are the query parameters of GetObject (mostly used in
// presigned URLs) that replace a response header.
var responseOverrides = map[string]string{
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
	"response-content-language":    "Content-Language",
	"response-content-type":        "Content-Type",
	"response-expires":             "Expires",
}

func (s *Server) serveGet(w http.ResponseWriter, r *http.Request, bucket, key string) {
	obj := s.get(bucket, key)
	if obj == nil {
		writeError(w, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.", bucket, key)
		return
	}
	h := w.Header()
	for name, values := range obj.headers {
		h[name] = values
	}
	h.Set("Content-Type", obj.contentType)
	h.Set("ETag", obj.etag)
	h.Set("Accept-Ranges", "bytes")
	q := r.URL.Query()
	for param, header := range responseOverrides {
		if v := q.Get(param); v != "" {
			h.Set(header, v)
		}
	}
	// S3 returns the checksum only when asked, and only for the whole
	// object: the SDK would check it against a range too.
	if obj.checksum[0] != "" && r.Header.Get("Range") == "" &&
		(strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") || strings.EqualFold(q.Get("X-Amz-Checksum-Mode"), "ENABLED")) {
		h.Set(obj.checksum[0], obj.checksum[1])
	}
	http.ServeContent(w, r, "", obj.modified, bytes.NewReader(obj.body))
}

// withoutAWSChunked removes aws-chunked from a Content-Encoding list: it
// describes the upload, not the object.
func withoutAWSChunked(encoding string) string {
	var kept []string
	for enc := range strings.SplitSeq(encoding, ",") {
		if enc = strings.TrimSpace(enc); enc != "" && !strings.EqualFold(enc, "aws-chunked") {
			kept = append(kept, enc)
		}
	}
	return strings.Join(kept, ",")
}

// isAWSChunked reports whether the body of r is aws-chunked encoded.
func isAWSChunked(r *http.Request) bool {
	if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return true
	}
	for enc := range strings.SplitSeq(r.Header.Get("Content-Encoding"), ",") {
		if strings.EqualFold(strings.TrimSpace(enc), "aws-chunked") {
			return true
		}
	}
	return false
}

// readPayload reads the object body of a PutObject, decoding aws-chunked
// and checking the decoded length and a signed payload hash.
func readPayload(r *http.Request) (body []byte, trailers http.Header, err error) {
	if !isAWSChunked(r) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxObject+1))
		if err != nil {
			return nil, nil, err
		}
		if len(body) > maxObject {
			return nil, nil, tooLarge()
		}
		return body, nil, checkPayloadHash(body, r.Header.Get("X-Amz-Content-Sha256"))
	}
	decoded := r.Header.Get("X-Amz-Decoded-Content-Length")
	if decoded == "" {
		return nil, nil, &payloadError{status: http.StatusLengthRequired, code: "MissingContentLength", message: "You must provide the Content-Length HTTP header."}
	}
	want, err := strconv.ParseInt(decoded, 10, 64)
	if err != nil || want < 0 {
		return nil, nil, &payloadError{status: http.StatusBadRequest, code: "InvalidArgument", message: "x-amz-decoded-content-length is not a valid length."}
	}
	if want > maxObject {
		return nil, nil, tooLarge()
	}
	body, trailers, err = decodeAWSChunked(io.LimitReader(r.Body, 2*maxObject), want)
	if err != nil {
		return nil, nil, err
	}
	if int64(len(body)) != want {
		return nil, nil, &payloadError{status: http.StatusBadRequest, code: "IncompleteBody", message: "The decoded body does not have the length x-amz-decoded-content-length gives."}
	}
	for name := range strings.SplitSeq(r.Header.Get("X-Amz-Trailer"), ",") {
		if name = strings.TrimSpace(name); name != "" && trailers.Get(name) == "" {
			return nil, nil, &payloadError{status: http.StatusBadRequest, code: "MalformedTrailerError", message: "The request did not send the trailer " + name + " that x-amz-trailer announced."}
		}
	}
	return body, trailers, nil
}

func tooLarge() error {
	return &payloadError{status: http.StatusBadRequest, code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed size"}
}
