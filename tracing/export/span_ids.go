package export

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// parseUUID returns the 16 bytes of the UUID s (dashes optional, any case).
func parseUUID(s string) (b [16]byte, ok bool) {
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 {
		return b, false
	}
	if _, err := hex.Decode(b[:], []byte(h)); err != nil {
		return b, false
	}
	return b, true
}

// idBytes is the 16 bytes of the UUID s, or the first 16 of the SHA-256 of
// s when it is not a UUID.
func idBytes(s string) [16]byte {
	if b, ok := parseUUID(s); ok {
		return b
	}
	sum := sha256.Sum256([]byte(s))
	return [16]byte(sum[:16])
}

// otlpTraceID is the trace UUID as 32 lowercase hex digits.
func otlpTraceID(id string) string {
	b := idBytes(id)
	return hex.EncodeToString(b[:])
}

// otlpSpanID is 16 hex digits: the two 64-bit halves of the span UUID
// XORed (the first half when they are equal, as an all-zero ID is
// invalid). Span IDs of version 4, 7 or 8 keep at least 60 random bits in
// it, so two spans of a trace of n collide with odds near n²/2⁶¹.
func otlpSpanID(id string) string {
	b := idBytes(id)
	var s [8]byte
	for i := range s {
		s[i] = b[i] ^ b[8+i]
	}
	if s == ([8]byte{}) {
		copy(s[:], b[:8])
	}
	return hex.EncodeToString(s[:])
}

// langSmithID is the UUID id in its canonical form (lowercase, dashed); an
// ID that is not a UUID becomes a version 8 UUID made of its SHA-256.
func langSmithID(id string) string {
	b, ok := parseUUID(id)
	if !ok {
		b = idBytes(id)
		b[6] = b[6]&0x0f | 0x80 // version 8
		b[8] = b[8]&0x3f | 0x80 // variant 10
	}
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
