// Package httpx adapts plain http.Handlers to API Gateway HTTP API events
// (payload format 2.0) and back, so a function's handler is an ordinary
// handler in tests, in Lambda and in the local stack alike.
package httpx

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// LambdaHandler is the shape of an HTTP API Lambda handler.
type LambdaHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

type eventKey struct{}

// RequestEvent returns the API Gateway event a request was made from.
func RequestEvent(r *http.Request) (events.APIGatewayV2HTTPRequest, bool) {
	ev, ok := r.Context().Value(eventKey{}).(events.APIGatewayV2HTTPRequest)
	return ev, ok
}

// Lambda serves API Gateway events with h.
func Lambda(h http.Handler) LambdaHandler {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		r, err := Request(ctx, ev)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest, Body: "bad request\n"}, nil
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return response(rec.Result())
	}
}

// Request builds the http.Request an event describes. The body is the
// provider's raw bytes: API Gateway base64-encodes non-text bodies, and
// signatures are computed over the decoded bytes.
func Request(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, fmt.Errorf("decode base64 body: %w", err)
		}
		body = b
	}
	path := ev.RawPath
	if path == "" {
		path = "/"
	}
	target := path
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, fmt.Errorf("parse request target %q: %w", target, err)
	}
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		method = http.MethodGet
	}
	r, err := http.NewRequestWithContext(context.WithValue(ctx, eventKey{}, ev), method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range ev.Headers {
		r.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	r.Host = ev.RequestContext.DomainName
	if h := r.Header.Get("Host"); h != "" {
		r.Host = h
	}
	r.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	r.ContentLength = int64(len(body))
	return r, nil
}

func response(res *http.Response) (events.APIGatewayV2HTTPResponse, error) {
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out := events.APIGatewayV2HTTPResponse{StatusCode: res.StatusCode, Headers: map[string]string{}}
	for k, vs := range res.Header {
		if k == "Set-Cookie" {
			out.Cookies = vs
			continue
		}
		out.Headers[k] = strings.Join(vs, ",")
	}
	out.Body, out.IsBase64Encoded = encodeBody(body, res.Header.Get("Content-Type"))
	return out, nil
}

// encodeBody puts a body into an event as API Gateway does: text as it is,
// anything else in base64.
func encodeBody(body []byte, contentType string) (string, bool) {
	if isText(contentType) {
		return string(body), false
	}
	return base64.StdEncoding.EncodeToString(body), true
}

// isText tells which bodies API Gateway passes as they are; it encodes the
// rest (form posts included) in base64, and the local stack does the same.
func isText(contentType string) bool {
	ct := strings.ToLower(contentType)
	return ct == "" || strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") ||
		strings.Contains(ct, "javascript") || strings.Contains(ct, "xml")
}

// Event builds the API Gateway event for a request to a local server, the
// way API Gateway would: lower-cased header names and a base64 body for
// anything but text.
func Event(r *http.Request, body []byte) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       r.Method + " " + r.URL.Path,
		RawPath:        r.URL.Path,
		RawQueryString: r.URL.RawQuery,
		Headers:        map[string]string{},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: r.Host,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: r.RemoteAddr, UserAgent: r.UserAgent(),
			},
		},
	}
	for k, vs := range r.Header {
		if k == "Cookie" {
			ev.Cookies = vs
			continue
		}
		ev.Headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	ev.Headers["host"] = r.Host
	if len(r.URL.Query()) > 0 {
		ev.QueryStringParameters = map[string]string{}
		for k, vs := range r.URL.Query() {
			ev.QueryStringParameters[k] = strings.Join(vs, ",")
		}
	}
	ev.Body, ev.IsBase64Encoded = encodeBody(body, r.Header.Get("Content-Type"))
	return ev
}

// Write writes an API Gateway response to w.
func Write(w http.ResponseWriter, res events.APIGatewayV2HTTPResponse) {
	for k, v := range res.Headers {
		w.Header().Set(k, v)
	}
	for _, c := range res.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte(res.Body)
	if res.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(res.Body)
		if err != nil {
			http.Error(w, "bad base64 body from handler", http.StatusBadGateway)
			return
		}
		body = b
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(body)
}

// BaseURL is the public base URL for links: the configured one, or else
// the scheme and host the request came to.
func BaseURL(configured string, r *http.Request) string {
	if configured != "" {
		return configured
	}
	scheme := "https"
	if r.TLS == nil && (strings.HasPrefix(r.Host, "localhost") || strings.HasPrefix(r.Host, "127.0.0.1")) {
		scheme = "http"
	}
	return scheme + "://" + r.Host
}
