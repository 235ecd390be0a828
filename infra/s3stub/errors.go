package s3stub

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"net/http"
)

// payloadError is an upload S3 would refuse, with S3's answer.
type payloadError struct {
	status  int
	code    string
	message string
}

func (e *payloadError) Error() string { return "s3stub: " + e.code + ": " + e.message }

// errorBody is S3's XML error document.
type errorBody struct {
	XMLName    xml.Name `xml:"Error"`
	Code       string   `xml:"Code"`
	Message    string   `xml:"Message"`
	BucketName string   `xml:"BucketName,omitempty"`
	Key        string   `xml:"Key,omitempty"`
	Resource   string   `xml:"Resource,omitempty"`
	RequestID  string   `xml:"RequestId"`
}

// writeError answers as S3 does: the error document, or for HEAD only the
// status, since a HEAD answer has no body (the SDK then reports NotFound).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message, bucket, key string) {
	id := requestID()
	w.Header().Set("X-Amz-Request-Id", id)
	if r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	body, err := xml.Marshal(errorBody{Code: code, Message: message, BucketName: bucket, Key: key, Resource: r.URL.Path, RequestID: id})
	if err != nil {
		http.Error(w, code, status)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

func requestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
