package twilio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

var errTooLarge = errors.New("media too large")

// fetched is one media file of a message after download and storage.
type fetched struct {
	attachment *inbox.Attachment
	// line is the placeholder the message text shows for the file.
	line string
	// storeErr means the media bucket failed: the webhook must fail so
	// Twilio may retry, rather than lose a file it delivered.
	storeErr error
	// downloadErr is why the file could not be fetched from Twilio.
	downloadErr error
}

// fetchMedia downloads a message's media from Twilio and stores it, all
// files at once: Twilio waits 15 seconds for the webhook's answer. A file
// that cannot be downloaded or is too large leaves a placeholder line.
func (h *Handler) fetchMedia(ctx context.Context, m *message) []fetched {
	out := make([]fetched, len(m.media))
	var wg sync.WaitGroup
	for i, ref := range m.media {
		wg.Go(func() {
			out[i] = h.fetchOne(ctx, m, i, ref)
		})
	}
	wg.Wait()
	return out
}

func (h *Handler) fetchOne(ctx context.Context, m *message, i int, ref mediaRef) fetched {
	body, headerType, err := h.download(ctx, ref.url)
	contentType := mediaType(ref.contentType, headerType)
	kind := mediaKind(contentType)
	switch {
	case errors.Is(err, errTooLarge):
		return fetched{line: fmt.Sprintf("[%s over %d MB, not downloaded]", kind, MaxMediaBytes>>20), downloadErr: err}
	case err != nil:
		return fetched{line: "[" + kind + " could not be downloaded]", downloadErr: err}
	}
	// The key is the same on every delivery of the message, so a retried
	// webhook overwrites the file instead of storing it twice.
	key := fmt.Sprintf("%s/%s/%d", m.channel, m.sid, i)
	name := fmt.Sprintf("%s-%d%s", strings.ToLower(kind), i+1, extension(contentType))
	att, err := h.Media.Save(ctx, key, bytes.NewReader(body), contentType, name)
	if err != nil {
		return fetched{storeErr: fmt.Errorf("store media %d of %s: %w", i, m.sid, err)}
	}
	return fetched{attachment: &att, line: "[" + kind + "]"}
}

// isAPI reports whether u is on Twilio's API host (or the stand-in
// APIURL names): the account's credentials go there and nowhere else,
// whatever host a payload names.
func (h *Handler) isAPI(u *url.URL) bool {
	api, err := url.Parse(h.APIURL)
	if h.APIURL == "" || err != nil {
		api, _ = url.Parse(DefaultAPIURL)
	}
	return u.Scheme == api.Scheme && strings.EqualFold(u.Host, api.Host)
}

// download fetches a media URL with the account's credentials, which
// Twilio requires when HTTP basic authentication for media is on. Twilio
// answers with a redirect to its CDN; the client follows it and drops the
// credentials on the way, as the CDN's signed URL needs none.
func (h *Handler) download(ctx context.Context, rawURL string) ([]byte, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", fmt.Errorf("media URL %q is not an HTTP URL", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("build media request: %w", err)
	}
	if h.AccountSID != "" && h.isAPI(u) {
		req.SetBasicAuth(h.AccountSID, h.AuthToken)
	}
	res, err := client(h.HTTP).Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("download media: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("download media: HTTP %d", res.StatusCode)
	}
	if res.ContentLength > MaxMediaBytes {
		return nil, "", errTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, MaxMediaBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("download media: %w", err)
	}
	if len(body) > MaxMediaBytes {
		return nil, "", errTooLarge
	}
	return body, res.Header.Get("Content-Type"), nil
}

// mediaType is the file's type as Twilio's form names it, else as the
// download says, else unknown.
func mediaType(candidates ...string) string {
	for _, c := range candidates {
		if t, _, err := mime.ParseMediaType(c); err == nil && strings.Contains(t, "/") {
			return t
		}
	}
	return "application/octet-stream"
}

func mediaKind(contentType string) string {
	switch {
	case strings.HasPrefix(contentType, "image/"):
		return "Photo"
	case strings.HasPrefix(contentType, "video/"):
		return "Video"
	case strings.HasPrefix(contentType, "audio/"):
		return "Audio"
	case contentType == "text/vcard" || contentType == "text/x-vcard":
		return "Contact"
	default:
		return "File"
	}
}

// extensions of the types Twilio accepts for MMS and WhatsApp; the
// system's MIME table varies between machines (image/jpeg is .jfif on
// some), so names are made from this one.
var extensions = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
	"video/mp4": ".mp4", "video/3gpp": ".3gp", "video/quicktime": ".mov",
	"audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/amr": ".amr", "audio/mp4": ".m4a", "audio/aac": ".aac",
	"application/pdf": ".pdf", "text/vcard": ".vcf", "text/x-vcard": ".vcf", "text/plain": ".txt",
}

func extension(contentType string) string { return extensions[contentType] }
