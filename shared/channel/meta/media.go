package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// DefaultMaxMediaBytes bounds a downloaded file: the largest media
// WhatsApp and Messenger let customers send are videos and documents of
// a few tens of MB, and a webhook has seconds, not minutes.
const DefaultMaxMediaBytes = 25 << 20

// Fetcher downloads the files customers send. WhatsApp gives a media id,
// resolved through the Graph API with the access token into a short-lived
// URL that wants the same token; Messenger gives a plain URL.
type Fetcher struct {
	// GraphURL defaults to DefaultGraphURL, Version to DefaultVersion.
	GraphURL    string
	Version     string
	AccessToken string
	HTTP        *http.Client
	// MaxBytes defaults to DefaultMaxMediaBytes.
	MaxBytes int64
}

type download struct {
	body        []byte
	contentType string
}

var errTooLarge = errors.New("file over the download limit")

func (f *Fetcher) fetch(ctx context.Context, ref *mediaRef) (download, error) {
	if ref.id == "" {
		return f.get(ctx, ref.url, false)
	}
	if f.AccessToken == "" {
		return download{}, errors.New("fetch whatsapp media: no access token configured")
	}
	var info struct {
		URL      string `json:"url"`
		MIMEType string `json:"mime_type"`
		FileSize number `json:"file_size"`
	}
	endpoint := graphEndpoint(f.GraphURL, f.Version, url.PathEscape(ref.id))
	d, err := f.get(ctx, endpoint, true)
	if err != nil {
		return download{}, fmt.Errorf("look up whatsapp media %s: %w", ref.id, err)
	}
	if err := json.Unmarshal(d.body, &info); err != nil || info.URL == "" {
		return download{}, fmt.Errorf("look up whatsapp media %s: no url in the answer", ref.id)
	}
	if size, ok := info.FileSize.float(); ok && size > float64(f.maxBytes()) {
		return download{}, errTooLarge
	}
	d, err = f.get(ctx, info.URL, true)
	if err != nil {
		return download{}, fmt.Errorf("download whatsapp media %s: %w", ref.id, err)
	}
	// The Graph answer names the type; the CDN often says octet-stream.
	for _, t := range []string{info.MIMEType, ref.mimeType} {
		if t != "" {
			d.contentType = t
			break
		}
	}
	return d, nil
}

// get reads a URL within the size limit, with the WhatsApp token when
// bearer is set. Errors never quote the URL: Graph media URLs are
// credentials for a few minutes.
func (f *Fetcher) get(ctx context.Context, rawURL string, bearer bool) (download, error) {
	if !isWebURL(rawURL) {
		return download{}, errors.New("not an http(s) URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return download{}, errors.New("bad media URL")
	}
	if bearer {
		req.Header.Set("Authorization", "Bearer "+f.AccessToken)
	}
	res, err := httpClient(f.HTTP).Do(req)
	if err != nil {
		return download{}, withoutURL(err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		return download{}, fmt.Errorf("answered %s", res.Status)
	}
	limit := f.maxBytes()
	if res.ContentLength > limit {
		return download{}, errTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	switch {
	case err != nil:
		return download{}, fmt.Errorf("read body: %w", withoutURL(err))
	case int64(len(body)) > limit:
		return download{}, errTooLarge
	}
	return download{body: body, contentType: res.Header.Get("Content-Type")}, nil
}

func (f *Fetcher) maxBytes() int64 {
	if f.MaxBytes <= 0 {
		return DefaultMaxMediaBytes
	}
	return f.MaxBytes
}

// store fetches and keeps a message's files and writes its text. A file
// that cannot be fetched leaves a placeholder saying so; only a failing
// store is an error, so Meta retries.
func (h *Handler) store(ctx context.Context, m message) (inbox.Inbound, error) {
	in := m.in
	pieces := make([]string, 0, len(m.parts)+1)
	n := 0
	for _, p := range m.parts {
		if p.media == nil {
			pieces = append(pieces, p.text)
			continue
		}
		n++
		att, placeholder, err := h.keep(ctx, in, n, p.media)
		if err != nil {
			return in, err
		}
		if att != nil {
			in.Attachments = append(in.Attachments, *att)
		}
		pieces = append(pieces, placeholder)
	}
	in.Text = joinText(append(pieces, m.body)...)
	if in.Text == "" {
		in.Text = "[Empty message]"
	}
	return in, nil
}

// keep fetches one file and saves it under a key made of the provider's
// message id, so a retried webhook overwrites the same object.
func (h *Handler) keep(ctx context.Context, in inbox.Inbound, n int, ref *mediaRef) (*inbox.Attachment, string, error) {
	if h.Fetcher == nil || h.Media == nil {
		return nil, notKept(ref, "file storage is not set up"), nil
	}
	d, err := h.Fetcher.fetch(ctx, ref)
	if errors.Is(err, errTooLarge) {
		return nil, notKept(ref, "larger than "+sizeText(h.Fetcher.maxBytes())), nil
	}
	if err != nil {
		h.log().WarnContext(ctx, "meta media download failed", "channel", in.Channel, "external_id", in.ExternalID, "err", err)
		return nil, notKept(ref, "download failed"), nil
	}
	contentType := d.contentType
	if _, _, err := mime.ParseMediaType(contentType); err != nil {
		contentType = "application/octet-stream"
	}
	key := fmt.Sprintf("%s/%s/%d", in.Channel, url.PathEscape(in.ExternalID), n)
	att, err := h.Media.Save(ctx, key, bytes.NewReader(d.body), contentType, ref.name)
	if err != nil {
		return nil, "", fmt.Errorf("save %s: %w", key, err)
	}
	if ref.name != "" {
		return &att, "[" + ref.label + ": " + ref.name + "]", nil
	}
	return &att, "[" + ref.label + "]", nil
}

func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func notKept(ref *mediaRef, why string) string {
	return "[" + ref.label + ", not downloaded: " + why + "]"
}
