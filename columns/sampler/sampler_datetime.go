package sampler

import (
	"fmt"
	"math"
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
	return drawFunc(func(r *rand.Rand, _ lookup) (any, error) {
		return truncate(drawInstant(r, start, end), unit), nil
	})
}

// drawInstant draws a uniformly random instant in [start, end) (start when
// they are equal). Spans that fit a time.Duration (~292 years) are drawn to
// the nanosecond; longer ones in whole seconds from start as int64, which
// covers any span of years 0–9999 (every unit truncates to at least a
// second).
func drawInstant(r *rand.Rand, start, end time.Time) time.Time {
	if !end.After(start) {
		return start
	}
	if span := end.Sub(start); span < math.MaxInt64 {
		return start.Add(time.Duration(r.Int64N(int64(span))))
	}
	// secs counts the whole-second offsets k with start + k s < end.
	secs := end.Unix() - start.Unix()
	if end.Nanosecond() > start.Nanosecond() {
		secs++
	}
	return addSeconds(start, r.Int64N(secs))
}

// addSeconds adds a non-negative number of seconds without time.Duration
// overflow: whole days with AddDate (exact, as datetimes are UTC), then
// the rest.
func addSeconds(t time.Time, secs int64) time.Time {
	const day = 24 * 60 * 60
	return t.AddDate(0, 0, int(secs/day)).Add(time.Duration(secs%day) * time.Second)
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

// unitSeconds is the length of a timedelta unit in seconds.
func unitSeconds(unit string) int64 {
	switch unit {
	case "D":
		return 24 * 60 * 60
	case "h":
		return 60 * 60
	case "m":
		return 60
	}
	return 1
}

// unitNames are the timedelta units in words, for messages.
var unitNames = map[string]string{"D": "days", "h": "hours", "m": "minutes", "s": "seconds"}

// Datetimes are written as 4-digit years: values must fall within
// [minDatetime, maxDatetime] (Python's datetime.min and max, to the second).
var (
	minDatetime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDatetime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

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
	// The largest offset must be representable: from any reference, and
	// from the latest value of a reference whose range the build knows.
	per := unitSeconds(unit)
	maxUnits := int64(p.DtMax) - 1
	dpos, dpath := p.Meta.At("dt_max")
	if maxUnits > (maxDatetime.Unix()-minDatetime.Unix())/per {
		b.errorf(dpos, dpath, "dt_max %d: offsets of up to %d %s cannot be represented; they go after year 9999 from any reference",
			p.DtMax, maxUnits, unitNames[unit])
		return nil, deps
	}
	if latest, known := b.latestUnix(ref, map[string]bool{}); known && latest <= maxDatetime.Unix() &&
		maxUnits > (maxDatetime.Unix()-latest)/per {
		b.errorf(dpos, dpath, "dt_max %d: reference column %q (up to %s) plus up to %d %s is after year 9999, which cannot be represented",
			p.DtMax, ref, time.Unix(latest, 0).UTC().Format(isoLayout), maxUnits, unitNames[unit])
		return nil, deps
	}
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
		k := lo + r.Int64N(n)
		// k·per ≤ (maxDatetime − minDatetime) in seconds: checked above.
		out := addSeconds(t, k*per)
		if out.Year() > maxDatetime.Year() || out.Year() < minDatetime.Year() {
			where := "after year 9999"
			if out.Year() < minDatetime.Year() {
				where = "before year 1"
			}
			return nil, fmt.Errorf("reference column %s value %s plus %d %s is %s, which cannot be represented",
				ref, t.Format(isoLayout), k, unitNames[unit], where)
		}
		return out, nil
	}), deps
}

// latestUnix bounds, in Unix seconds, the values of a datetime or timedelta
// sampler column over all of its params objects; known is false when the
// column is not such a sampler or its params are invalid.
func (b *builder) latestUnix(name string, seen map[string]bool) (latest int64, known bool) {
	c, ok := b.byName[name]
	if !ok || seen[name] {
		return 0, false
	}
	seen[name] = true
	sets := []config.SamplerParams{c.Params}
	for _, cp := range c.ConditionalParams {
		sets = append(sets, cp.Params)
	}
	for i, s := range sets {
		var v int64
		switch p := s.(type) {
		case *config.DatetimeParams:
			start, err1 := parseDatetime(p.Start)
			end, err2 := parseDatetime(p.End)
			if err1 != nil || err2 != nil || end.Before(start) {
				return 0, false
			}
			if end.After(start) {
				end = end.Add(-time.Nanosecond) // end is exclusive
			}
			v = end.Unix()
		case *config.TimedeltaParams:
			unit := p.Unit
			if unit == "" {
				unit = "D"
			}
			if !validUnit(unit, "Dhms") || p.DtMax <= p.DtMin || p.DtMin < 0 {
				return 0, false
			}
			ref, ok := b.latestUnix(p.ReferenceColumnName, seen)
			per, units := unitSeconds(unit), int64(p.DtMax)-1
			if !ok || units > (math.MaxInt64-max(ref, 0))/per {
				return 0, false
			}
			v = ref + units*per
		default:
			return 0, false
		}
		if i == 0 || v > latest {
			latest = v
		}
	}
	return latest, true
}

// isoFormats are convert_to formats whose output still reads as an ISO date
// or datetime, so a timedelta can use the column as its reference.
var isoFormats = map[string]bool{
	"%Y-%m-%d": true, "%Y-%m-%dT%H:%M:%S": true, "%Y-%m-%d %H:%M:%S": true, "%F": true, "%FT%T": true, "%F %T": true,
}
