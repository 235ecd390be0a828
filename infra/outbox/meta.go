package outbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf16"
)

// Text limits of the Send APIs, in UTF-16 code units as Meta counts them.
const (
	whatsAppTextLimit  = 4096
	messengerTextLimit = 2000
)

// graphError is the Graph API's error body.
func graphError(status, code int, message string) answer {
	return jsonAnswer(status, map[string]any{"error": map[string]any{
		"message":    message,
		"type":       "OAuthException",
		"code":       code,
		"fbtrace_id": "A" + randomHex(11),
	}})
}

// hasGraphToken reports whether r carries an access token: a bearer header,
// or an access_token parameter in the query or among params.
func hasGraphToken(r *http.Request, params map[string]json.RawMessage) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok && strings.TrimSpace(token) != "" || r.URL.Query().Get("access_token") != "" {
		return true
	}
	var param string
	return json.Unmarshal(params["access_token"], &param) == nil && param != ""
}

// graphParams reads the parameters of a Graph API POST: a JSON object, or
// a form whose values are JSON ({"id":"..."}) or plain strings.
func graphParams(r *http.Request, body []byte) (map[string]json.RawMessage, error) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/x-www-form-urlencoded" {
		var params map[string]json.RawMessage
		err := json.Unmarshal(body, &params)
		return params, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	params := make(map[string]json.RawMessage, len(form))
	for name := range form {
		value := form.Get(name)
		if trimmed := strings.TrimSpace(value); json.Valid([]byte(trimmed)) && (strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")) {
			params[name] = json.RawMessage(trimmed)
			continue
		}
		if params[name], err = json.Marshal(value); err != nil {
			return nil, err
		}
	}
	return params, nil
}

var errNoGraphToken = graphError(http.StatusUnauthorized, 190, "Invalid OAuth access token - Cannot parse access token")

// metaSend is the body of POST /{id}/messages: the WhatsApp Cloud API's
// fields, and the Messenger and Instagram Send API's.
type metaSend struct {
	MessagingProduct string `json:"messaging_product"`
	To               string `json:"to"`
	Type             string `json:"type"`
	Status           string `json:"status"`
	MessageID        string `json:"message_id"`

	Recipient *struct {
		ID        string `json:"id"`
		UserRef   string `json:"user_ref"`
		CommentID string `json:"comment_id"`
		PostID    string `json:"post_id"`
	} `json:"recipient"`
	Message *struct {
		Text         string       `json:"text"`
		QuickReplies []quickReply `json:"quick_replies"`
		Attachment   *struct {
			Type    string `json:"type"`
			Payload struct {
				URL string `json:"url"`
			} `json:"payload"`
		} `json:"attachment"`
	} `json:"message"`
	SenderAction string `json:"sender_action"`
}

// serveMetaMessages answers the WhatsApp Cloud API's and the Messenger and
// Instagram Send API's POST /{id}/messages, told apart by the body: only
// the Send API has a recipient.
func serveMetaMessages(_ *Server, r *http.Request, body []byte) answer {
	fields, err := graphParams(r, body)
	if err != nil {
		return graphError(http.StatusBadRequest, 100, "(#100) Invalid parameter")
	}
	if !hasGraphToken(r, fields) {
		return errNoGraphToken
	}
	var msg metaSend
	if normalized, err := json.Marshal(fields); err != nil || json.Unmarshal(normalized, &msg) != nil {
		return graphError(http.StatusBadRequest, 100, "(#100) Invalid parameter")
	}
	if msg.Recipient != nil {
		return messengerSend(msg)
	}
	return whatsAppSend(msg, fields)
}

func whatsAppSend(msg metaSend, fields map[string]json.RawMessage) answer {
	if msg.MessagingProduct != "whatsapp" {
		return graphError(http.StatusBadRequest, 100, "(#100) The parameter messaging_product is required.")
	}
	if msg.Status == "read" {
		if msg.MessageID == "" {
			return graphError(http.StatusBadRequest, 100, "(#100) The parameter message_id is required.")
		}
		a := jsonAnswer(http.StatusOK, map[string]bool{"success": true})
		a.text = "[Read receipt for " + msg.MessageID + "]"
		return a
	}
	if msg.To == "" {
		return graphError(http.StatusBadRequest, 100, "(#100) The parameter to is required.")
	}
	kind := msg.Type
	if kind == "" {
		kind = "text"
	}
	var text string
	var options []string
	if kind == "interactive" {
		var problem string
		if text, options, problem = whatsAppInteractive(fields[kind]); problem != "" {
			return whatsAppInvalid(problem)
		}
	} else {
		var problem string
		if text, problem = whatsAppText(kind, fields[kind]); problem != "" {
			return graphError(http.StatusBadRequest, 100, problem)
		}
	}
	id := "wamid." + randomBase64(36)
	a := jsonAnswer(http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{{"input": msg.To, "wa_id": waID(msg.To)}},
		"messages":          []map[string]string{{"id": id}},
	})
	a.to, a.text, a.id, a.options = msg.To, text, id, options
	return a
}

// whatsAppText describes a WhatsApp message of the given kind for the page.
// problem is Graph's complaint about a text message it would refuse.
func whatsAppText(kind string, raw json.RawMessage) (text, problem string) {
	var obj struct {
		Body      json.RawMessage `json:"body"`
		Caption   string          `json:"caption"`
		Name      string          `json:"name"`
		Emoji     string          `json:"emoji"`
		Latitude  float64         `json:"latitude"`
		Longitude float64         `json:"longitude"`
	}
	_ = json.Unmarshal(raw, &obj)
	switch kind {
	case "text":
		var body string
		if json.Unmarshal(obj.Body, &body) != nil || body == "" {
			return "", "(#100) The parameter text['body'] is required."
		}
		if utf16Len(body) > whatsAppTextLimit {
			return "", fmt.Sprintf("(#100) Param text['body'] must be at most %d characters long.", whatsAppTextLimit)
		}
		return body, ""
	case "template":
		return "[Template: " + obj.Name + "]", ""
	case "reaction":
		return "[Reaction: " + obj.Emoji + "]", ""
	case "location":
		return fmt.Sprintf("[Location: %g, %g]", obj.Latitude, obj.Longitude), ""
	default:
		return strings.TrimSpace("[" + title(kind) + "] " + obj.Caption), ""
	}
}

func messengerSend(msg metaSend) answer {
	to := msg.Recipient.ID
	for _, alt := range []string{msg.Recipient.UserRef, msg.Recipient.CommentID, msg.Recipient.PostID} {
		if to == "" {
			to = alt
		}
	}
	if to == "" {
		return graphError(http.StatusBadRequest, 100, "(#100) The parameter recipient is required")
	}
	switch {
	case msg.Message == nil && msg.SenderAction != "":
		a := jsonAnswer(http.StatusOK, map[string]string{"recipient_id": to})
		a.to, a.text = to, "["+msg.SenderAction+"]"
		return a
	case msg.Message == nil || msg.Message.Text == "" && msg.Message.Attachment == nil:
		return graphError(http.StatusBadRequest, 100, "(#100) Must send either message or state")
	case utf16Len(msg.Message.Text) > messengerTextLimit:
		return graphError(http.StatusBadRequest, 100, fmt.Sprintf("(#100) Length of param message[text] must be less than or equal to %d", messengerTextLimit))
	}
	options, problem := quickReplyTitles(msg.Message.QuickReplies)
	if problem != "" {
		return graphError(http.StatusBadRequest, 100, problem)
	}
	text := msg.Message.Text
	if att := msg.Message.Attachment; att != nil {
		text = strings.TrimSpace("[" + title(att.Type) + ": " + att.Payload.URL + "] " + text)
	}
	id := "m_" + randomBase64(48)
	a := jsonAnswer(http.StatusOK, map[string]string{"recipient_id": to, "message_id": id})
	a.to, a.text, a.id, a.options = to, text, id, options
	return a
}

// serveMetaMediaURL answers GET /{media-id} with where to download it: this
// server's /media/{id}.
func serveMetaMediaURL(_ *Server, r *http.Request, _ []byte) answer {
	if !hasGraphToken(r, nil) {
		return errNoGraphToken
	}
	id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	sum := sha256.Sum256(sampleJPEG)
	return jsonAnswer(http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"url":               baseURL(r) + "/media/" + id,
		"mime_type":         "image/jpeg",
		"sha256":            hex.EncodeToString(sum[:]),
		"file_size":         len(sampleJPEG),
		"id":                id,
	})
}

// serveMetaMedia serves a media download. Like Meta's media URLs it wants
// the access token, which a client must remember to send.
func serveMetaMedia(_ *Server, r *http.Request, _ []byte) answer {
	if !hasGraphToken(r, nil) {
		return errNoGraphToken
	}
	return answer{status: http.StatusOK, body: sampleJPEG, contentType: "image/jpeg"}
}

// waID is the WhatsApp id of a phone number as sent: its digits.
func waID(to string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, to)
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// randomBase64 returns n random bytes in base64, the alphabet of Meta's
// message ids.
func randomBase64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
