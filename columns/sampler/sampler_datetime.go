package sampler

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

// datetime: a uniformly random instant in [start, end), truncated to the
// unit (Y → January 1st, M → the 1st of the month, D → midnight, h m s).
// Drawers return time.Time; the column's converter writes the text.
func (b *builder) datetime(p *config.DatetimeParams) drawer {
	start, okStart := b.datetimeParam(p, "start", p.Start)
	end, okEnd := b.datetimeParam(p, "end", p.End)
	unit := p.Unit
	if unit == "" {
		unit = "D"
	}
	if !validUnit(unit, "YMDhms") {
		pos, path := p.Meta.At("unit")
		b.errorf(pos, path, "unit %q must be one of Y, M, D, h, m, s", unit)
		return nil
	}
	if !okStart || !okEnd {
		return nil
	}
	if end.Before(start) {
		pos, path := p.Meta.At("end")
		b.errorf(pos, path, "end %s is before start %s", p.End, p.Start)
		return nil
	}
	span := end.Sub(start)
	return drawFunc(func(r *rand.Rand, _ lookup) (any, error) {
		t := start
		if span > 0 {
			t = start.Add(time.Duration(r.Int64N(int64(span))))
		}
		return truncate(t, unit), nil
	})
}

func (b *builder) datetimeParam(p *config.DatetimeParams, key, s string) (time.Time, bool) {
	t, err := parseDatetime(s)
	if err != nil {
		pos, path := p.Meta.At(key)
		b.errorf(pos, path, "%s: %v", key, err)
		return time.Time{}, false
	}
	return t, true
}

func validUnit(u, units string) bool {
	return len(u) == 1 && containsByte(units, u[0])
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// truncate floors t to the unit.
func truncate(t time.Time, unit string) time.Time {
	y, m, d := t.Date()
	switch unit {
	case "Y":
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	case "M":
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	case "D":
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case "h":
		return t.Truncate(time.Hour)
	case "m":
		return t.Truncate(time.Minute)
	}
	return t.Truncate(time.Second)
}

// unitDuration is the length of a timedelta unit.
func unitDuration(unit string) time.Duration {
	switch unit {
	case "D":
		return 24 * time.Hour
	case "h":
		return time.Hour
	case "m":
		return time.Minute
	}
	return time.Second
}

// timedelta: the row's reference datetime plus a random whole number of
// units in [dt_min, dt_max).
func (b *builder) timedelta(p *config.TimedeltaParams) (drawer, []columns.Dep) {
	rpos, rpath := p.Meta.At("reference_column_name")
	ref := p.ReferenceColumnName
	deps := []columns.Dep{{Name: ref, Pos: rpos, Path: rpath}}
	ok := true
	if sc, isSampler := b.byName[ref]; isSampler {
		switch {
		case sc.SamplerType != config.SamplerDatetime && sc.SamplerType != config.SamplerTimedelta:
			b.errorf(rpos, rpath, "reference column %q is a %s sampler; it must hold datetimes (e.g. a datetime sampler)", ref, sc.SamplerType)
			ok = false
		case sc.ConvertTo != nil && *sc.ConvertTo != convertStr && !isoFormats[*sc.ConvertTo]:
			b.diags.Warnf(rpos, rpath, "reference column %q is formatted with convert_to %q; its values must still read as ISO dates or datetimes", ref, *sc.ConvertTo)
		}
	} else if _, known := b.allNames[ref]; !known && (b.bc.Doc == nil || b.bc.Doc.SeedConfig == nil) {
		var dts []string
		for _, c := range b.cols {
			if c.SamplerType == config.SamplerDatetime {
				dts = append(dts, c.Name)
			}
		}
		b.errorf(rpos, rpath, "reference column %q is not a column of this config%s", ref, suggest(ref, dts))
		ok = false
	}
	if p.DtMin < 0 {
		pos, path := p.Meta.At("dt_min")
		b.errorf(pos, path, "dt_min %d must be ≥ 0", p.DtMin)
		ok = false
	}
	if p.DtMax <= p.DtMin {
		pos, path := p.Meta.At("dt_max")
		b.errorf(pos, path, "dt_max %d must be greater than dt_min %d", p.DtMax, p.DtMin)
		ok = false
	}
	unit := p.Unit
	if unit == "" {
		unit = "D"
	}
	if !validUnit(unit, "Dhms") {
		pos, path := p.Meta.At("unit")
		b.errorf(pos, path, "unit %q must be one of D, h, m, s", unit)
		ok = false
	}
	if !ok {
		return nil, deps
	}
	step := unitDuration(unit)
	lo, n := int64(p.DtMin), int64(p.DtMax-p.DtMin)
	return drawFunc(func(r *rand.Rand, row lookup) (any, error) {
		v, _ := row.Get(ref)
		if v == nil {
			return nil, nil
		}
		var t time.Time
		switch x := v.(type) {
		case string:
			var err error
			if t, err = parseDatetime(x); err != nil {
				return nil, fmt.Errorf("reference column %s: %w", ref, err)
			}
		case time.Time:
			t = x
		default:
			return nil, fmt.Errorf("reference column %s holds %T, not a datetime", ref, v)
		}
		return t.Add(time.Duration(lo+r.Int64N(n)) * step), nil
	}), deps
}

// isoFormats are convert_to formats whose output still reads as an ISO date
// or datetime, so a timedelta can use the column as its reference.
var isoFormats = map[string]bool{
	"%Y-%m-%d": true, "%Y-%m-%dT%H:%M:%S": true, "%Y-%m-%d %H:%M:%S": true, "%F": true, "%FT%T": true, "%F %T": true,
}
