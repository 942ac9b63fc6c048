package sampler

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strings"

	"github.com/synthgen/synthgen/config"
)

// uuidDrawer: a random (version 4) UUID as 32 lower-case hex digits without
// hyphens, like Python's uuid4().hex; short_form keeps the first 8,
// uppercase upper-cases, prefix is prepended.
func uuidDrawer(p *config.UUIDParams) drawer {
	return drawFunc(func(r *rand.Rand, _ lookup) (any, error) {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], r.Uint64())
		binary.BigEndian.PutUint64(b[8:], r.Uint64())
		b[6] = b[6]&0x0f | 0x40 // version 4
		b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
		s := hex.EncodeToString(b[:])
		if p.ShortForm {
			s = s[:8]
		}
		if p.Uppercase {
			s = strings.ToUpper(s)
		}
		return p.Prefix + s, nil
	})
}
