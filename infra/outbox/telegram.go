package outbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// telegramTextLimit is sendMessage's limit, in UTF-16 code units.
const telegramTextLimit = 4096

// botToken matches a Bot API token, "<bot id>:<secret>".
var botToken = regexp.MustCompile(`^([0-9]+):[A-Za-z0-9_-]+$`)

func telegramError(status int, description string) answer {
	return jsonAnswer(status, map[string]any{"ok": false, "error_code": status, "description": description})
}

func telegramOK(result any) answer {
	return jsonAnswer(http.StatusOK, map[string]any{"ok": true, "result": result})
}

// botID returns the bot id of the token in a path segment "bot<token>"; ok
// is false when the token is malformed, which the Bot API answers with 404.
func botID(segment string) (int64, bool) {
	m := botToken.FindStringSubmatch(strings.TrimPrefix(segment, "bot"))
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	return id, err == nil
}

// telegramParams collects a Bot API call's parameters from wherever the API
// accepts them: the query string, a form, a multipart form or a JSON object.
func telegramParams(r *http.Request, body []byte) (url.Values, error) {
	params := r.URL.Query()
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/json":
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return nil, fmt.Errorf("can't parse JSON object: %w", err)
		}
		for name, raw := range fields {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				params.Set(name, s)
			} else {
				params.Set(name, string(bytes.TrimSpace(raw)))
			}
		}
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("can't parse form: %w", err)
		}
		for name, values := range form {
			params[name] = values
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, fmt.Errorf("can't parse multipart form: %w", err)
		}
		defer r.MultipartForm.RemoveAll()
		for name, values := range r.MultipartForm.Value {
			params[name] = values
		}
	}
	return params, nil
}

// serveTelegramMethod answers POST or GET /bot{token}/{method}.
func serveTelegramMethod(s *Server, r *http.Request, body []byte) answer {
	segment, method, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	bot, ok := botID(segment)
	if !ok {
		return telegramError(http.StatusNotFound, "Not Found")
	}
	params, err := telegramParams(r, body)
	if err != nil {
		return telegramError(http.StatusBadRequest, "Bad Request: "+err.Error())
	}
	switch method {
	case "sendMessage":
		return s.telegramSendMessage(bot, params)
	case "getFile":
		return s.telegramGetFile(params)
	case "answerCallbackQuery":
		return telegramAnswerCallback(params)
	case "setWebhook":
		description := "Webhook was set"
		if params.Get("url") == "" {
			description = "Webhook was deleted"
		}
		a := jsonAnswer(http.StatusOK, map[string]any{"ok": true, "result": true, "description": description})
		a.text = "[Webhook: " + params.Get("url") + "]"
		return a
	default:
		return telegramError(http.StatusNotFound, "Not Found: method not found")
	}
}

func (s *Server) telegramSendMessage(bot int64, params url.Values) answer {
	to, text := params.Get("chat_id"), params.Get("text")
	if to == "" {
		return telegramError(http.StatusBadRequest, "Bad Request: chat_id is empty")
	}
	// The stand-in knows no @usernames, so only numeric chat ids exist.
	chat, err := strconv.ParseInt(to, 10, 64)
	if err != nil {
		return telegramError(http.StatusBadRequest, "Bad Request: chat not found")
	}
	if strings.TrimSpace(text) == "" {
		return telegramError(http.StatusBadRequest, "Bad Request: message text is empty")
	}
	if utf16Len(text) > telegramTextLimit {
		return telegramError(http.StatusBadRequest, "Bad Request: message is too long")
	}
	keyboard, options, problem := telegramKeyboard(params.Get("reply_markup"))
	if problem != "" {
		return telegramError(http.StatusBadRequest, problem)
	}
	chatType := "private"
	if chat < 0 {
		chatType = "group"
	}
	s.mu.Lock()
	s.telegramID++
	id := s.telegramID
	s.mu.Unlock()
	sent := map[string]any{
		"message_id": id,
		"from":       map[string]any{"id": bot, "is_bot": true, "first_name": "Switchboard", "username": "switchboard_local_bot"},
		"chat":       map[string]any{"id": chat, "type": chatType},
		"date":       s.opts.Now().Unix(),
		"text":       text,
	}
	if keyboard != nil {
		sent["reply_markup"] = keyboard
	}
	a := telegramOK(sent)
	a.to, a.text, a.id, a.options = to, text, strconv.Itoa(id), options
	return a
}

// telegramAnswerCallback answers answerCallbackQuery, which stops the
// spinner on a pressed button; a text would show the customer a
// notification, so the page shows it.
func telegramAnswerCallback(params url.Values) answer {
	if params.Get("callback_query_id") == "" {
		return telegramError(http.StatusBadRequest, "Bad Request: query is too old and response timeout expired or query ID is invalid")
	}
	a := telegramOK(true)
	if text := params.Get("text"); text != "" {
		a.text = "[Notification] " + text
	}
	return a
}

func (s *Server) telegramGetFile(params url.Values) answer {
	fileID := params.Get("file_id")
	if fileID == "" {
		return telegramError(http.StatusBadRequest, "Bad Request: invalid file_id")
	}
	s.mu.Lock()
	s.files++
	n := s.files
	s.mu.Unlock()
	unique := fileID
	if len(unique) > 16 {
		unique = unique[len(unique)-16:]
	}
	return telegramOK(map[string]any{
		"file_id":        fileID,
		"file_unique_id": unique,
		"file_size":      len(sampleJPEG),
		"file_path":      fmt.Sprintf("photos/file_%d.jpg", n),
	})
}

// serveTelegramFile serves GET /file/bot{token}/{file_path}: whatever the
// path, the sample image.
func serveTelegramFile(_ *Server, r *http.Request, _ []byte) answer {
	segs := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 3)
	if _, ok := botID(segs[1]); !ok {
		return telegramError(http.StatusNotFound, "Not Found")
	}
	contentType := "application/octet-stream"
	if ext := path.Ext(segs[2]); ext == ".jpg" || ext == ".jpeg" {
		contentType = "image/jpeg"
	}
	return answer{status: http.StatusOK, body: sampleJPEG, contentType: contentType}
}
