package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// MaxFileBytes is the largest file a bot may download through the Bot API.
const MaxFileBytes = 20 << 20

var errTooLarge = errors.New("file over 20 MB")

// attach stores the update's file in the media bucket. When Telegram
// cannot hand it over (too large, gone, down) the message is kept without
// it, and the returned reason goes into its placeholder; only a failure to
// store it is an error, so the update is retried.
func (h *Handler) attach(ctx context.Context, updateID int64, f *fileRef) (*inbox.Attachment, string, error) {
	if h.Media == nil {
		return nil, "media storage is not set up", nil
	}
	if f.size > MaxFileBytes {
		return nil, "over 20 MB", nil
	}
	data, filePath, err := h.client().download(ctx, f.id, MaxFileBytes)
	if errors.Is(err, errTooLarge) {
		return nil, "over 20 MB", nil
	}
	if err != nil {
		h.logger().WarnContext(ctx, "telegram file not downloaded", "update_id", updateID, "err", err)
		return nil, "download failed", nil
	}
	name := f.name
	if name == "" {
		name = path.Base(filePath)
	}
	// One file per update, so a retried update overwrites its own object.
	key := fmt.Sprintf("%s/%d/0", inbox.ChannelTelegram, updateID)
	att, err := h.Media.Save(ctx, key, bytes.NewReader(data), f.contentType, name)
	if err != nil {
		return nil, "", fmt.Errorf("save telegram file of update %d: %w", updateID, err)
	}
	return &att, "", nil
}

// download fetches a file: getFile names its path, then the file itself
// comes from /file/bot<token>/<path>. It reads at most limit bytes.
func (c *Client) download(ctx context.Context, fileID string, limit int64) ([]byte, string, error) {
	var f struct {
		FilePath string `json:"file_path"`
	}
	if err := c.call(ctx, "getFile", map[string]string{"file_id": fileID}, &f); err != nil {
		var apiErr *apiError
		if errors.As(err, &apiErr) && strings.Contains(apiErr.description, "file is too big") {
			return nil, "", errTooLarge
		}
		return nil, "", err
	}
	if !safeFilePath(f.FilePath) {
		return nil, "", fmt.Errorf("telegram getFile: unusable file_path %q", f.FilePath)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL()+"/file/bot"+c.BotToken+"/"+f.FilePath, nil)
	if err != nil {
		return nil, "", fmt.Errorf("download telegram file: %w", c.redact(err))
	}
	res, err := c.http().Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("download telegram file: %w", c.redact(err))
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("download telegram file %s: HTTP %d", f.FilePath, res.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("download telegram file %s: %w", f.FilePath, err)
	}
	if int64(len(data)) > limit {
		return nil, "", errTooLarge
	}
	return data, f.FilePath, nil
}

// safeFilePath accepts the relative paths Telegram gives ("photos/file_0.jpg")
// and nothing that would leave the bot's file directory or change the URL.
func safeFilePath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
		return false
	}
	for _, r := range p {
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`?#\%`, r) {
			return false
		}
	}
	return true
}
