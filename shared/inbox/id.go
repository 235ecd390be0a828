package inbox

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// Ids are ULIDs (48-bit millisecond time, 80 random bits, Crockford base32):
// 26 characters that sort by creation time, so a conversation's messages
// come back in order from a DynamoDB Query on the id alone.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// IDLen is the length of every id NewID returns.
const IDLen = 26

var idState struct {
	sync.Mutex
	lastMs uint64
	hi     uint16
	lo     uint64
}

// NewID returns a new id for the time t. Ids made in the same millisecond
// by this process still sort in the order they were made: the random part
// is incremented instead of drawn again.
func NewID(t time.Time) string {
	ms := uint64(t.UnixMilli())
	idState.Lock()
	if ms <= idState.lastMs {
		ms = idState.lastMs
		idState.lo++
		if idState.lo == 0 {
			idState.hi++
		}
	} else {
		var b [10]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("inbox: crypto/rand failed: " + err.Error())
		}
		idState.lastMs = ms
		idState.hi = binary.BigEndian.Uint16(b[:2])
		idState.lo = binary.BigEndian.Uint64(b[2:])
	}
	hi, lo := idState.hi, idState.lo
	idState.Unlock()

	var raw [16]byte
	raw[0] = byte(ms >> 40)
	raw[1] = byte(ms >> 32)
	raw[2] = byte(ms >> 24)
	raw[3] = byte(ms >> 16)
	raw[4] = byte(ms >> 8)
	raw[5] = byte(ms)
	binary.BigEndian.PutUint16(raw[6:], hi)
	binary.BigEndian.PutUint64(raw[8:], lo)
	return encodeBase32(raw)
}

// encodeBase32 writes 128 bits as 26 Crockford base32 digits, the first
// digit carrying the top 3 bits.
func encodeBase32(raw [16]byte) string {
	var out [IDLen]byte
	hi := binary.BigEndian.Uint64(raw[:8])
	lo := binary.BigEndian.Uint64(raw[8:])
	for i := IDLen - 1; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// FloorID is the smallest id NewID can return for the time t: every id
// made at or after t sorts after it, every id made before sorts before.
func FloorID(t time.Time) string {
	ms := uint64(t.UnixMilli())
	var raw [16]byte
	for i := 0; i < 6; i++ {
		raw[i] = byte(ms >> (40 - 8*i))
	}
	return encodeBase32(raw)
}
