package s3stub

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxChunkLine bounds a chunk header or trailer line. The SDK's are under
// 100 bytes (a size and a chunk signature, or a checksum trailer).
const maxChunkLine = 4096

// maxTrailers bounds the trailer lines after the last chunk; the SDK sends
// one checksum and, for signed payloads, a trailer signature.
const maxTrailers = 8

var errMalformedChunks = &payloadError{status: http.StatusBadRequest, code: "IncompleteBody", message: "The aws-chunked body is malformed."}

// decodeAWSChunked decodes an aws-chunked body of at most limit bytes and
// returns it with its trailers. Chunk extensions (the chunk-signature of
// signed payloads) are skipped, since the stand-in does not check signatures.
//
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
func decodeAWSChunked(r io.Reader, limit int64) ([]byte, http.Header, error) {
	br := bufio.NewReaderSize(r, maxChunkLine)
	var body []byte
	for {
		line, err := readChunkLine(br)
		if err != nil {
			return nil, nil, err
		}
		sizeHex, _, _ := strings.Cut(line, ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
		if err != nil || size < 0 {
			return nil, nil, errMalformedChunks
		}
		if size == 0 {
			break
		}
		if size > limit-int64(len(body)) {
			return nil, nil, &payloadError{status: http.StatusBadRequest, code: "IncompleteBody", message: "The aws-chunked body is longer than x-amz-decoded-content-length."}
		}
		n := len(body)
		body = slices.Grow(body, int(size))[:n+int(size)]
		if _, err := io.ReadFull(br, body[n:]); err != nil {
			return nil, nil, errMalformedChunks
		}
		if end, err := readChunkLine(br); err != nil || end != "" {
			return nil, nil, errMalformedChunks
		}
	}
	trailers := make(http.Header)
	for range maxTrailers + 1 {
		line, err := readChunkLine(br)
		if err != nil {
			return nil, nil, err
		}
		if line == "" {
			if _, err := br.ReadByte(); err != io.EOF {
				return nil, nil, errMalformedChunks
			}
			return body, trailers, nil
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, nil, errMalformedChunks
		}
		trailers.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	return nil, nil, errMalformedChunks
}

// readChunkLine reads a CRLF-terminated line and returns it without the CRLF.
func readChunkLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadSlice('\n')
	if err != nil || !bytes.HasSuffix(line, []byte("\r\n")) {
		return "", errMalformedChunks
	}
	return string(line[:len(line)-2]), nil
}

// checksumAlgorithms are the flexible checksums S3 accepts, by header name.
var checksumAlgorithms = []struct {
	header, name string
	hash         func() hash.Hash
}{
	{"X-Amz-Checksum-Crc32", "CRC32", func() hash.Hash { return crc32.NewIEEE() }},
	{"X-Amz-Checksum-Crc32c", "CRC32C", func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) }},
	// The NVMe polynomial, reflected, as crc64.MakeTable wants it.
	{"X-Amz-Checksum-Crc64nvme", "CRC64NVME", func() hash.Hash { return crc64.New(crc64.MakeTable(0x9a6c9329ac4bc9b5)) }},
	{"X-Amz-Checksum-Sha1", "SHA1", sha1.New},
	{"X-Amz-Checksum-Sha256", "SHA256", sha256.New},
}

// verifyChecksums checks the Content-MD5 header and every x-amz-checksum-*
// value, sent as a header or as an aws-chunked trailer, against body. It
// returns the checksum header and value to keep with the object.
func verifyChecksums(body []byte, header, trailers http.Header) (kept [2]string, err error) {
	if v := header.Get("Content-Md5"); v != "" {
		want, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(want) != md5.Size {
			return kept, &payloadError{status: http.StatusBadRequest, code: "InvalidDigest", message: "The Content-MD5 you specified was invalid."}
		}
		if got := md5.Sum(body); !bytes.Equal(got[:], want) {
			return kept, &payloadError{status: http.StatusBadRequest, code: "BadDigest", message: "The Content-MD5 you specified did not match what we received."}
		}
	}
	for _, alg := range checksumAlgorithms {
		value := trailers.Get(alg.header)
		if value == "" {
			value = header.Get(alg.header)
		}
		if value == "" {
			continue
		}
		h := alg.hash()
		h.Write(body)
		if base64.StdEncoding.EncodeToString(h.Sum(nil)) != value {
			return kept, &payloadError{status: http.StatusBadRequest, code: "BadDigest", message: "The " + alg.name + " you specified did not match the calculated checksum."}
		}
		kept = [2]string{alg.header, value}
	}
	return kept, nil
}

// checkPayloadHash checks a signed x-amz-content-sha256 (64 hex digits)
// against body; UNSIGNED-PAYLOAD and a missing header pass.
func checkPayloadHash(body []byte, value string) error {
	want, err := hex.DecodeString(value)
	if err != nil || len(want) != sha256.Size {
		return nil
	}
	if got := sha256.Sum256(body); !bytes.Equal(got[:], want) {
		return &payloadError{status: http.StatusBadRequest, code: "XAmzContentSHA256Mismatch", message: "The provided 'x-amz-content-sha256' header does not match what was computed."}
	}
	return nil
}

// asPayloadError is err as S3 would answer it; anything else failing while
// reading a body means the body ended early.
func asPayloadError(err error) *payloadError {
	var pe *payloadError
	if errors.As(err, &pe) {
		return pe
	}
	return &payloadError{status: http.StatusBadRequest, code: "IncompleteBody", message: "You did not provide the number of bytes specified by the Content-Length HTTP header."}
}
