package mock

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode/utf8"
)

// findSchema returns the first balanced {...} of text that decodes as a
// JSON object looking like a JSON Schema, and its byte span.
func findSchema(text string) (schema *object, start, end int) {
	for i := 0; i < len(text); i++ {
		if text[i] != '{' {
			continue
		}
		j := matchBrace(text, i)
		if j < 0 {
			continue
		}
		v, err := decodeOrdered([]byte(text[i : j+1]))
		if err != nil {
			continue
		}
		if o, ok := v.(*object); ok && looksLikeSchema(o) {
			return o, i, j + 1
		}
		i = j // a JSON object that is not a schema: skip it whole
	}
	return nil, -1, -1
}

// matchBrace returns the index of the brace closing the one at i, reading
// JSON strings; -1 if there is none.
func matchBrace(s string, i int) int {
	depth, inStr, esc := 0, false, false
	for j := i; j < len(s); j++ {
		c := s[j]
		switch {
		case inStr && esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case inStr && c == '"':
			inStr = false
		case inStr:
		case c == '"':
			inStr = true
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

var jsonTypes = map[string]bool{"object": true, "array": true, "string": true, "number": true, "integer": true, "boolean": true, "null": true}

func looksLikeSchema(o *object) bool {
	if o.obj("properties") != nil || o.has("$schema") || o.obj("$defs") != nil {
		return true
	}
	switch t := o.get("type").(type) {
	case string:
		return jsonTypes[t]
	case []any:
		for _, e := range t {
			if s, _ := e.(string); !jsonTypes[s] {
				return false
			}
		}
		return len(t) > 0
	}
	return false
}

// valueGen generates values that validate against a schema. Strings derive
// from property names and the prompt's keywords; numbers, for tool
// arguments, come from the prompt when they fit.
type valueGen struct {
	r       *rand.Rand
	root    *object
	kws     []string
	numbers []float64
}

const maxDepth = 16

// value generates a value for schema s (an *object, true, or nil) of a
// property named name.
func (g *valueGen) value(s any, name string, depth int) any {
	sch, _ := s.(*object)
	if sch == nil {
		if b, ok := s.(bool); ok && !b {
			return nil // nothing validates against false
		}
		return g.str(nil, name)
	}
	if depth > maxDepth {
		return nil
	}
	if ref := sch.str("$ref"); ref != "" {
		target := g.resolve(ref)
		if target == nil {
			return g.str(nil, name)
		}
		return g.value(target, name, depth+1)
	}
	if all := sch.list("allOf"); len(all) > 0 {
		merged := newObject()
		for _, k := range sch.keys {
			if k != "allOf" {
				merged.set(k, sch.vals[k])
			}
		}
		for _, sub := range all {
			if so, ok := sub.(*object); ok {
				if ref := so.str("$ref"); ref != "" {
					if t := g.resolve(ref); t != nil {
						so = t
					}
				}
				mergeSchema(merged, so)
			}
		}
		return g.value(merged, name, depth+1)
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		if alts := sch.list(k); len(alts) > 0 {
			choice := alts[0]
			for _, a := range alts {
				if ao, ok := a.(*object); ok && ao.str("type") != "null" {
					choice = a
					break
				}
			}
			return g.value(choice, name, depth+1)
		}
	}
	if sch.has("const") {
		return sch.get("const")
	}
	if enum := sch.list("enum"); len(enum) > 0 {
		return enum[g.r.IntN(len(enum))]
	}
	switch schemaType(sch) {
	case "object":
		return g.object(sch, depth)
	case "array":
		return g.array(sch, name, depth)
	case "integer":
		return g.integer(sch, name)
	case "number":
		return g.number(sch, name)
	case "boolean":
		return g.r.IntN(2) == 0
	case "null":
		return nil
	}
	return g.str(sch, name)
}

// resolve follows a local reference ("#", "#/$defs/name", ...).
func (g *valueGen) resolve(ref string) *object {
	if !strings.HasPrefix(ref, "#") {
		return nil
	}
	var cur any = g.root
	for seg := range strings.SplitSeq(strings.TrimPrefix(ref[1:], "/"), "/") {
		if seg == "" {
			continue
		}
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case *object:
			cur = c.get(seg)
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	o, _ := cur.(*object)
	return o
}

// mergeSchema folds b into a for allOf: properties and required are
// unioned, other keywords are taken when a lacks them.
func mergeSchema(a, b *object) {
	for _, k := range b.keys {
		v := b.vals[k]
		switch k {
		case "properties":
			pa := a.obj("properties")
			if pa == nil {
				pa = newObject()
				a.set("properties", pa)
			}
			pb, _ := v.(*object)
			if pb == nil {
				continue
			}
			for _, pk := range pb.keys {
				if prev := pa.get(pk); prev != nil {
					pa.set(pk, &object{keys: []string{"allOf"}, vals: map[string]any{"allOf": []any{prev, pb.vals[pk]}}})
				} else {
					pa.set(pk, pb.vals[pk])
				}
			}
		case "required":
			req := append([]any(nil), a.list("required")...)
			req = append(req, b.list("required")...)
			a.set("required", req)
		default:
			if !a.has(k) {
				a.set(k, v)
			}
		}
	}
}

// schemaType is the schema's type, inferred from its keywords when absent.
func schemaType(s *object) string {
	switch t := s.get("type").(type) {
	case string:
		return t
	case []any:
		first := ""
		for _, e := range t {
			if str, _ := e.(string); str != "" && str != "null" {
				return str
			} else if first == "" {
				first = str
			}
		}
		return first
	}
	switch {
	case s.has("properties") || s.has("required") || s.has("additionalProperties"):
		return "object"
	case s.has("items") || s.has("prefixItems") || s.has("minItems"):
		return "array"
	case s.has("minimum") || s.has("maximum") || s.has("multipleOf") || s.has("exclusiveMinimum"):
		return "number"
	}
	return "string"
}

func (g *valueGen) object(s *object, depth int) any {
	out := newObject()
	props := s.obj("properties")
	required := map[string]bool{}
	for _, r := range s.list("required") {
		if k, ok := r.(string); ok {
			required[k] = true
		}
	}
	if props != nil {
		for _, k := range props.keys {
			if depth > maxDepth/2 && !required[k] {
				continue // deep recursive schemas: required properties only
			}
			out.set(k, g.value(props.vals[k], k, depth+1))
		}
	}
	extra := s.get("additionalProperties")
	if extra == nil {
		extra = true
	}
	for _, r := range s.list("required") {
		if k, ok := r.(string); ok && !out.has(k) {
			out.set(k, g.value(extra, k, depth+1))
		}
	}
	if minP, ok := s.num("minProperties"); ok {
		if b, isBool := extra.(bool); !isBool || b {
			for i := 1; float64(len(out.keys)) < minP; i++ {
				out.set(fmt.Sprintf("extra_%d", i), g.value(extra, "extra", depth+1))
			}
		}
	}
	if maxP, ok := s.num("maxProperties"); ok {
		for i := len(out.keys) - 1; i >= 0 && float64(len(out.keys)) > maxP; i-- {
			if k := out.keys[i]; !required[k] {
				out.del(k)
			}
		}
	}
	return out
}

func (g *valueGen) array(s *object, name string, depth int) any {
	lo, hi := 0, math.MaxInt
	if v, ok := s.num("minItems"); ok {
		lo = int(v)
	}
	if v, ok := s.num("maxItems"); ok {
		hi = int(v)
	}
	n := 1 + g.r.IntN(3)
	if depth > maxDepth/2 {
		n = 0
	}
	n = max(lo, min(n, hi))
	prefix := s.list("prefixItems")
	items := s.get("items")
	if l, ok := items.([]any); ok { // draft 4 tuples
		prefix, items = l, s.get("additionalItems")
	}
	if items == nil {
		if c := s.get("contains"); c != nil && len(prefix) == 0 {
			items = c
		} else {
			items = true
		}
	}
	if b, ok := items.(bool); ok && !b {
		n = min(n, len(prefix))
	}
	item := singular(name)
	unique := s.get("uniqueItems") == true
	seen := map[string]bool{}
	out := make([]any, 0, n)
	for i := 0; len(out) < n && i < n+20; i++ {
		sch := items
		if len(out) < len(prefix) {
			sch = prefix[len(out)]
		}
		v := g.value(sch, item, depth+1)
		if unique {
			key := encodeJSON(v, "")
			if seen[key] {
				if i >= n+19 || len(out) >= lo && i > n+5 {
					break
				}
				continue
			}
			seen[key] = true
		}
		out = append(out, v)
	}
	return out
}

func singular(name string) string {
	switch {
	case strings.HasSuffix(name, "ies") && len(name) > 4:
		return name[:len(name)-3] + "y"
	case strings.HasSuffix(name, "ses") || strings.HasSuffix(name, "xes"):
		return name[:len(name)-2]
	case strings.HasSuffix(name, "s") && !strings.HasSuffix(name, "ss") && len(name) > 3:
		return name[:len(name)-1]
	}
	return name
}

// bounds reads minimum/maximum and their exclusive forms (numbers in 2020-12,
// booleans in draft 4).
func bounds(s *object) (lo, hi float64, loX, hiX, hasLo, hasHi bool) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if v, ok := s.num("minimum"); ok {
		lo, hasLo = v, true
	}
	if v, ok := s.num("maximum"); ok {
		hi, hasHi = v, true
	}
	if v, ok := s.num("exclusiveMinimum"); ok && (!hasLo || v >= lo) {
		lo, loX, hasLo = v, true, true
	} else if s.get("exclusiveMinimum") == true {
		loX = true
	}
	if v, ok := s.num("exclusiveMaximum"); ok && (!hasHi || v <= hi) {
		hi, hiX, hasHi = v, true, true
	} else if s.get("exclusiveMaximum") == true {
		hiX = true
	}
	return
}

// nameRange is a plausible range for a numeric property, by its name.
func nameRange(name string) (float64, float64, bool) {
	n := strings.ToLower(name)
	for _, h := range []struct {
		sub    string
		lo, hi float64
	}{
		{"percent", 0, 100}, {"age", 18, 80}, {"year", 1990, 2025}, {"rating", 1, 5}, {"stars", 1, 5}, {"score", 1, 10},
		{"quantity", 1, 20}, {"count", 1, 20}, {"qty", 1, 20}, {"price", 5, 500}, {"amount", 5, 500},
		{"cost", 5, 500},
	} {
		if strings.Contains(n, h.sub) {
			return h.lo, h.hi, true
		}
	}
	return 0, 0, false
}

// numRange is the range to draw from: the schema's bounds intersected with
// the name's plausible range, else a default span.
func numRange(s *object, name string) (lo, hi float64, loX, hiX bool) {
	lo, hi, loX, hiX, hasLo, hasHi := bounds(s)
	switch {
	case !hasLo && !hasHi:
		lo, hi = 0, 100
	case !hasLo:
		lo = math.Min(0, hi-100)
		if hi-100 < 0 && hi > 0 {
			lo = 0
		}
	case !hasHi:
		hi = lo + 100
	}
	if nlo, nhi, ok := nameRange(name); ok {
		if l, h := math.Max(lo, nlo), math.Min(hi, nhi); l < h {
			if l > lo {
				loX = false
			}
			if h < hi {
				hiX = false
			}
			lo, hi = l, h
		}
	}
	return
}

func (g *valueGen) takeNumber(ok func(float64) bool) (float64, bool) {
	for i, v := range g.numbers {
		if ok(v) {
			g.numbers = append(g.numbers[:i:i], g.numbers[i+1:]...)
			return v, true
		}
	}
	return 0, false
}

func multipleOK(v float64, s *object) bool {
	m, ok := s.num("multipleOf")
	if !ok || m <= 0 {
		return true
	}
	q := v / m
	return math.Abs(q-math.Round(q)) < 1e-9
}

func (g *valueGen) integer(s *object, name string) any {
	lo, hi, loX, hiX, _, _ := bounds(s)
	fits := func(v float64) bool {
		return v == math.Trunc(v) && (v > lo || !loX && v == lo) && (v < hi || !hiX && v == hi) && multipleOK(v, s)
	}
	if v, ok := g.takeNumber(fits); ok {
		return int64(v)
	}
	dlo, dhi, dloX, dhiX := numRange(s, name)
	ilo, ihi := math.Ceil(dlo), math.Floor(dhi)
	if dloX && ilo == dlo {
		ilo++
	}
	if dhiX && ihi == dhi {
		ihi--
	}
	if m, ok := s.num("multipleOf"); ok && m > 0 {
		klo, khi := math.Ceil(ilo/m), math.Floor(ihi/m)
		if klo > khi {
			return int64(klo * m)
		}
		k := klo + float64(g.r.Int64N(int64(math.Min(khi-klo, 1e15))+1))
		return int64(k * m)
	}
	if ilo > ihi {
		return int64(ilo)
	}
	return int64(ilo) + g.r.Int64N(int64(math.Min(ihi-ilo, 1e15))+1)
}

func (g *valueGen) number(s *object, name string) any {
	lo, hi, loX, hiX, _, _ := bounds(s)
	fits := func(v float64) bool {
		return (v > lo || !loX && v == lo) && (v < hi || !hiX && v == hi) && multipleOK(v, s)
	}
	if v, ok := g.takeNumber(fits); ok {
		return v
	}
	dlo, dhi, _, _ := numRange(s, name)
	if m, ok := s.num("multipleOf"); ok && m > 0 {
		klo, khi := math.Ceil(dlo/m), math.Floor(dhi/m)
		k := klo
		if khi > klo {
			k += float64(g.r.Int64N(int64(math.Min(khi-klo, 1e15)) + 1))
		}
		v := k * m
		if !fits(v) && fits(v+m) {
			v += m
		}
		return roundTo(v, decimals(m))
	}
	v := math.Round((dlo+g.r.Float64()*(dhi-dlo))*100) / 100
	if !fits(v) {
		v = dlo + (dhi-dlo)/2
	}
	return v
}

// decimals is the number of decimal places of m.
func decimals(m float64) int {
	s := strconv.FormatFloat(m, 'f', -1, 64)
	if _, frac, ok := strings.Cut(s, "."); ok {
		return len(frac)
	}
	return 0
}

func roundTo(v float64, d int) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', d, 64), 64)
	return f
}

var (
	firstNames = []string{"Alex", "Maria", "Kenji", "Amara", "Lucas", "Priya", "Jonas", "Sofia"}
	lastNames  = []string{"Morgan", "Silva", "Tanaka", "Okafor", "Berg", "Patel", "Novak", "Rossi"}
	cities     = []string{"Lisbon", "Osaka", "Denver", "Nairobi", "Oslo", "Montreal", "Pune", "Valencia"}
	countries  = []string{"Portugal", "Japan", "Canada", "Kenya", "Norway", "India", "Spain", "Brazil"}
	companies  = []string{"Acme Corp", "Northwind", "Globex", "Initech", "Umbrella Labs", "Stark Industries"}
	colors     = []string{"red", "blue", "green", "black", "white", "teal"}
	longText   = []string{"description", "summary", "reasoning", "explanation", "rationale", "justification",
		"comment", "notes", "content", "text", "body", "answer", "feedback", "review", "message", "bio", "details",
		"analysis", "critique", "response", "reason", "overview", "story"}
	searchy = []string{"query", "search", "question", "prompt", "topic", "keyword", "expression", "input", "term"}
)

// nameString is a plausible string for a property name.
func (g *valueGen) nameString(name string) string {
	n := strings.ToLower(name)
	kw := pickKeywords(g.r, g.kws, 2, "example")
	pick := func(l []string) string { return l[g.r.IntN(len(l))] }
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(n, s) {
				return true
			}
		}
		return false
	}
	switch {
	case n == "":
		return capitalize(kw[0])
	case has("email"):
		return strings.ToLower(pick(firstNames)+"."+pick(lastNames)) + "@example.com"
	case has("url", "uri", "link", "website", "homepage"):
		return "https://example.com/" + identifier(kw[0])
	case has("phone"):
		return fmt.Sprintf("+1-555-01%02d", g.r.IntN(100))
	case has("uuid", "guid") || n == "id" || strings.HasSuffix(n, "_id") || strings.HasSuffix(name, "Id"):
		return uuid(g.r)
	case has("datetime", "timestamp", "created", "updated") || strings.HasSuffix(n, "_at"):
		return fmt.Sprintf("2024-%02d-%02dT%02d:%02d:00Z", 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60))
	case has("date", "birthday"):
		return fmt.Sprintf("2024-%02d-%02d", 1+g.r.IntN(12), 1+g.r.IntN(28))
	case has("first_name", "firstname", "given"):
		return pick(firstNames)
	case has("last_name", "lastname", "surname", "family"):
		return pick(lastNames)
	case n == "name" || has("full_name", "fullname", "author", "person", "customer", "username", "user_name"):
		return pick(firstNames) + " " + pick(lastNames)
	case has("city"):
		return pick(cities)
	case has("country"):
		return pick(countries)
	case has("company", "organization", "organisation", "brand", "employer"):
		return pick(companies)
	case has("color", "colour"):
		return pick(colors)
	case has("currency"):
		return "USD"
	case has("language"):
		return "English"
	case has("status"):
		return "active"
	case has("address", "street"):
		return fmt.Sprintf("%d Market Street", 1+g.r.IntN(200))
	case has("zip", "postal"):
		return fmt.Sprintf("%05d", 10000+g.r.IntN(89999))
	case has(searchy...):
		return strings.Join(pickKeywords(g.r, g.kws, 3, "example"), " ")
	case has(longText...):
		return fmt.Sprintf("This %s focuses on %s and %s.", humanize(name), kw[0], kw[1])
	case has("name", "title", "label", "headline"):
		return capitalize(kw[0]) + " " + humanize(name)
	case has("category", "type", "kind", "tag", "genre", "topic"):
		return strings.ToLower(kw[0])
	}
	return capitalize(humanize(name)) + " " + strconv.Itoa(1+g.r.IntN(99))
}

func uuid(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}

// formatString is a string of a JSON Schema format, "" when unknown.
func (g *valueGen) formatString(format string) string {
	switch format {
	case "date":
		return fmt.Sprintf("2024-%02d-%02d", 1+g.r.IntN(12), 1+g.r.IntN(28))
	case "date-time":
		return fmt.Sprintf("2024-%02d-%02dT%02d:%02d:00Z", 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60))
	case "time":
		return fmt.Sprintf("%02d:%02d:00Z", g.r.IntN(24), g.r.IntN(60))
	case "email", "idn-email":
		return "jane.doe@example.com"
	case "uri", "url", "iri", "uri-reference", "iri-reference":
		return "https://example.com/" + identifier(pickKeywords(g.r, g.kws, 1, "page")[0])
	case "uuid":
		return uuid(g.r)
	case "ipv4":
		return fmt.Sprintf("192.0.2.%d", 1+g.r.IntN(254))
	case "ipv6":
		return fmt.Sprintf("2001:db8::%x", 1+g.r.IntN(0xfffe))
	case "hostname", "idn-hostname":
		return fmt.Sprintf("host%d.example.com", 1+g.r.IntN(99))
	case "duration":
		return fmt.Sprintf("P%dD", 1+g.r.IntN(30))
	}
	return ""
}

func (g *valueGen) str(s *object, name string) string {
	v := ""
	if s != nil {
		v = g.formatString(s.str("format"))
	}
	if v == "" {
		v = g.nameString(name)
	}
	if s == nil {
		return v
	}
	if p := s.str("pattern"); p != "" {
		if re, err := regexp.Compile(p); err == nil && !re.MatchString(v) {
			if c, ok := fromPattern(p); ok && re.MatchString(c) {
				v = c
			}
		}
	}
	minLen, maxLen := -1, -1
	if f, ok := s.num("minLength"); ok {
		minLen = int(f)
	}
	if f, ok := s.num("maxLength"); ok {
		maxLen = int(f)
	}
	pad := pickKeywords(g.r, g.kws, 1, "detail")[0]
	for minLen >= 0 && utf8.RuneCountInString(v) < minLen {
		v += " " + pad
	}
	if maxLen >= 0 && utf8.RuneCountInString(v) > maxLen {
		v = strings.TrimRight(string([]rune(v)[:maxLen]), " ")
		for utf8.RuneCountInString(v) < minLen {
			v += "x"
		}
	}
	return v
}

// fromPattern builds a short string matching a regular expression: the
// shortest choice of each alternation, the minimum of each repetition (at
// least one for +), the first character of each class.
func fromPattern(p string) (string, bool) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	var walk func(re *syntax.Regexp) bool
	walk = func(re *syntax.Regexp) bool {
		switch re.Op {
		case syntax.OpLiteral:
			for _, r := range re.Rune {
				b.WriteRune(r)
			}
		case syntax.OpCharClass:
			if len(re.Rune) == 0 {
				return false
			}
			lo, hi := re.Rune[0], re.Rune[1]
			c := lo
			for _, pref := range []rune{'a', 'A', '0'} {
				if lo <= pref && pref <= hi {
					c = pref
					break
				}
			}
			b.WriteRune(c)
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			b.WriteByte('x')
		case syntax.OpCapture:
			return walk(re.Sub[0])
		case syntax.OpConcat:
			for _, s := range re.Sub {
				if !walk(s) {
					return false
				}
			}
		case syntax.OpAlternate:
			return walk(re.Sub[0])
		case syntax.OpStar, syntax.OpQuest:
		case syntax.OpPlus:
			return walk(re.Sub[0])
		case syntax.OpRepeat:
			for range max(re.Min, 0) {
				if !walk(re.Sub[0]) {
					return false
				}
			}
		case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
			syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		default:
			return false
		}
		return true
	}
	if !walk(re) {
		return "", false
	}
	return b.String(), true
}

// promptNumbers are the numbers of a text, in order.
var numberRE = regexp.MustCompile(`-?\d+(?:\.\d+)?`)

func promptNumbers(text string) []float64 {
	var out []float64
	for _, m := range numberRE.FindAllString(text, 32) {
		if f, err := strconv.ParseFloat(m, 64); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// genericSchema is used when JSON is asked for without a schema.
func genericSchema() *object {
	v, _ := decodeOrdered([]byte(`{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}`))
	return v.(*object)
}
