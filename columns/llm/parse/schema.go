package parse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"github.com/synthgen/synthgen/columns/value"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// schemaURL names the schema inside the validator; it appears in no message.
const schemaURL = "urn:synthgen:output-schema"

// maxViolations is how many schema violations an error lists.
const maxViolations = 5

// maxSchemaDepth bounds $ref and combinator hops while walking a schema, so
// that recursive schemas terminate.
const maxSchemaDepth = 64

// Schema is a JSON Schema compiled once for validating model replies. It is
// immutable and safe for concurrent use.
type Schema struct {
	doc      *value.Map
	compiled *jsonschema.Schema
	typ      value.Type
}

// CompileSchema compiles a JSON Schema (draft 2020-12 unless the schema's
// $schema names another draft). The schema is an ordered object, so its
// property order can order the values parsed against it; the caller must
// not mutate it afterwards. A $ref to anything outside the schema is an
// error (nothing is fetched).
func CompileSchema(schema *value.Map) (*Schema, error) {
	if schema == nil {
		return nil, errors.New("no schema")
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(value.CompactJSON(schema)))
	if err != nil {
		return nil, fmt.Errorf("invalid JSON Schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("invalid JSON Schema: %w", err)
	}
	compiled, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON Schema: %s", strings.ReplaceAll(err.Error(), schemaURL, "output_format"))
	}
	return &Schema{doc: schema, compiled: compiled, typ: TypeOfSchema(schema)}, nil
}

// Map returns the schema as given to CompileSchema. The caller must not
// mutate it.
func (s *Schema) Map() *value.Map { return s.doc }

// Type returns TypeOfSchema of the schema: the type of the values
// Structured returns.
func (s *Schema) Type() value.Type { return s.typ }

// SchemaFromYAML converts a YAML mapping (an llm-structured column's
// output_format) into an ordered JSON Schema object: keys keep their file
// order, scalars their YAML type (int64, float64, bool, null, string).
func SchemaFromYAML(n *yaml.Node) (*value.Map, error) {
	v, err := yamlValue(n, 0)
	if err != nil {
		return nil, err
	}
	m, ok := v.(*value.Map)
	if !ok {
		return nil, fmt.Errorf("a JSON Schema must be an object (a mapping), got %s", value.KindOf(v))
	}
	return m, nil
}

func yamlValue(n *yaml.Node, depth int) (any, error) {
	if depth > 1000 {
		return nil, errors.New("the YAML is nested too deeply")
	}
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], depth+1)
	case yaml.MappingNode:
		m := value.NewMap()
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			for k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key must be a scalar", k.Line)
			}
			v, err := yamlValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m.Set(k.Value, v)
		}
		return m, nil
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		return yamlScalar(n)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

func yamlScalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		fallthrough
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("line %d: %s is not a JSON number", n.Line, n.Value)
		}
		return f, nil
	}
	return n.Value, nil
}

// prepare removes the properties the schema does not declare and puts
// object keys in the schema's property order (see shape).
func (s *Schema) prepare(v any) any {
	return s.shape(v, []any{s.doc})
}

// validate checks v against the schema and describes the first few
// violations in plain words.
func (s *Schema) validate(v any) error {
	err := s.compiled.Validate(plain(v))
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return fmt.Errorf("the JSON does not match the schema: %w", err)
	}
	var vs []violation
	collectViolations(verr, &vs)
	order := locationOrder(v)
	sort.SliceStable(vs, func(i, j int) bool {
		oi, oj := orderOf(order, vs[i].at), orderOf(order, vs[j].at)
		if oi != oj {
			return oi < oj
		}
		return vs[i].text < vs[j].text
	})
	var msgs []string
	seen := map[string]bool{}
	for _, x := range vs {
		msg := describeLocation(v, x.at) + x.text
		if !seen[msg] {
			seen[msg] = true
			msgs = append(msgs, msg)
		}
	}
	more := ""
	if len(msgs) > maxViolations {
		more = fmt.Sprintf("; and %d more", len(msgs)-maxViolations)
		msgs = msgs[:maxViolations]
	}
	return fmt.Errorf("the JSON does not match the schema: %s%s", strings.Join(msgs, "; "), more)
}

type violation struct {
	at   []string // instance location
	text string
}

var printer = message.NewPrinter(language.English)

// collectViolations gathers the leaf errors of a validation error tree.
func collectViolations(e *jsonschema.ValidationError, out *[]violation) {
	switch k := e.ErrorKind.(type) {
	case *kind.AnyOf:
		collectAlternatives(e, out)
		return
	case *kind.OneOf:
		if len(k.Subschemas) == 0 {
			collectAlternatives(e, out)
		} else {
			*out = append(*out, violation{e.InstanceLocation, "matches more than one alternative of the schema's oneOf, exactly one is allowed"})
		}
		return
	}
	if len(e.Causes) == 0 {
		*out = append(*out, violation{e.InstanceLocation, kindText(e.ErrorKind)})
		return
	}
	for _, c := range e.Causes {
		collectViolations(c, out)
	}
}

// collectAlternatives describes a failed anyOf/oneOf. The alternatives
// whose type does not admit the value are summed up as "expected string or
// null, got number"; when exactly one alternative admits the value's type
// (an optional object, say), its own violations are reported instead.
func collectAlternatives(e *jsonschema.ValidationError, out *[]violation) {
	var want []string
	got := ""
	var admitting []*jsonschema.ValidationError
	for _, c := range e.Causes {
		ls := leaves(c)
		if len(ls) == 1 && slices.Equal(ls[0].InstanceLocation, e.InstanceLocation) {
			if t, ok := ls[0].ErrorKind.(*kind.Type); ok {
				want = append(want, t.Want...)
				got = t.Got
				continue
			}
		}
		admitting = append(admitting, c)
	}
	switch {
	case len(admitting) == 1:
		collectViolations(admitting[0], out)
	case len(admitting) == 0 && len(want) > 0:
		*out = append(*out, violation{e.InstanceLocation, fmt.Sprintf("expected %s, got %s", wantText(want), got)})
	default:
		*out = append(*out, violation{e.InstanceLocation, "matches none of the alternatives the schema allows (anyOf/oneOf)"})
	}
}

func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// kindText words one violation.
func kindText(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return fmt.Sprintf("expected %s, got %s", wantText(k.Want), k.Got)
	case *kind.Required:
		if len(k.Missing) == 1 {
			return fmt.Sprintf("missing required property %q", k.Missing[0])
		}
		return "missing required properties " + quoteAll(k.Missing)
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = jsonText(w)
		}
		return fmt.Sprintf("got %s, expected one of %s", jsonText(k.Got), strings.Join(want, ", "))
	case *kind.Const:
		return fmt.Sprintf("got %s, expected %s", jsonText(k.Got), jsonText(k.Want))
	case *kind.AdditionalProperties:
		return "properties not allowed: " + quoteAll(k.Properties)
	case *kind.FalseSchema:
		return "no value is allowed here"
	case *kind.MinItems:
		return fmt.Sprintf("expected at least %d items, got %d", k.Want, k.Got)
	case *kind.MaxItems:
		return fmt.Sprintf("expected at most %d items, got %d", k.Want, k.Got)
	case *kind.MinLength:
		return fmt.Sprintf("expected at least %d characters, got %d", k.Want, k.Got)
	case *kind.MaxLength:
		return fmt.Sprintf("expected at most %d characters, got %d", k.Want, k.Got)
	case *kind.MinProperties:
		return fmt.Sprintf("expected at least %d properties, got %d", k.Want, k.Got)
	case *kind.MaxProperties:
		return fmt.Sprintf("expected at most %d properties, got %d", k.Want, k.Got)
	case *kind.Minimum:
		return fmt.Sprintf("got %s, expected at least %s", ratText(k.Got), ratText(k.Want))
	case *kind.Maximum:
		return fmt.Sprintf("got %s, expected at most %s", ratText(k.Got), ratText(k.Want))
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("got %s, expected more than %s", ratText(k.Got), ratText(k.Want))
	case *kind.ExclusiveMaximum:
		return fmt.Sprintf("got %s, expected less than %s", ratText(k.Got), ratText(k.Want))
	case *kind.Pattern:
		return fmt.Sprintf("%s does not match the pattern %s", jsonText(k.Got), jsonText(k.Want))
	}
	return k.LocalizedString(printer)
}

// wantText joins the expected types, null last: "string or null".
func wantText(types []string) string {
	var out []string
	null := false
	for _, t := range types {
		switch {
		case t == "null":
			null = true
		case !slices.Contains(out, t):
			out = append(out, t)
		}
	}
	if null {
		out = append(out, "null")
	}
	return strings.Join(out, " or ")
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// jsonText renders a schema or instance value as compact JSON.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

func ratText(r interface{ FloatString(int) string }) string {
	s := r.FloatString(6)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// describeLocation names where a violation is, as a prefix:
// `property "facts/0/name": ` or `item "facts/0": ` (the JSON pointer
// without its leading slash); "" for the whole value.
func describeLocation(root any, at []string) string {
	if len(at) == 0 {
		return ""
	}
	esc := make([]string, len(at))
	for i, t := range at {
		esc[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
	}
	// The parent of the last token tells an object property from an item.
	parent := root
	for _, tok := range at[:len(at)-1] {
		switch x := parent.(type) {
		case *value.Map:
			parent, _ = x.Get(tok)
		case []any:
			if n, err := strconv.Atoi(tok); err == nil && n >= 0 && n < len(x) {
				parent = x[n]
			} else {
				parent = nil
			}
		default:
			parent = nil
		}
	}
	what := "property"
	if _, isList := parent.([]any); isList {
		what = "item"
	}
	return fmt.Sprintf("%s %q: ", what, strings.Join(esc, "/"))
}

// locationOrder numbers the locations of v in document order.
func locationOrder(v any) map[string]int {
	order := map[string]int{}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		order[path] = len(order)
		switch x := v.(type) {
		case *value.Map:
			for _, k := range x.Keys() {
				c, _ := x.Get(k)
				walk(c, path+"/"+k)
			}
		case []any:
			for i, c := range x {
				walk(c, path+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(v, "")
	return order
}

func orderOf(order map[string]int, at []string) int {
	path := ""
	for _, t := range at {
		path += "/" + t
	}
	if n, ok := order[path]; ok {
		return n
	}
	return len(order)
}

// plain converts a cell value into the form the validator reads
// (map[string]any for objects).
func plain(v any) any {
	switch x := v.(type) {
	case *value.Map:
		m := make(map[string]any, x.Len())
		for _, k := range x.Keys() {
			c, _ := x.Get(k)
			m[k] = plain(c)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, c := range x {
			out[i] = plain(c)
		}
		return out
	}
	return v
}

// --- pruning and ordering ---

// decl is what the subschemas that apply at one place of a value declare.
type decl struct {
	props    []string         // declared properties, in schema order
	schemas  map[string][]any // property → the subschemas declaring it
	hasProps bool             // some subschema has "properties"
	open     bool             // undeclared properties are allowed or cannot be told apart
	extra    []any            // additionalProperties schemas
	patterns []patternSchema  // patternProperties
	items    []any            // schemas of every array item
	prefix   [][]any          // prefixItems: schemas of item i
}

type patternSchema struct {
	re     *regexp.Regexp
	schema any
}

// shape returns v with the properties that the schemas do not declare
// removed and object keys in schema order: declared properties first, in
// the order of the schema, then other allowed keys in the reply's order.
// It recurses through properties, patternProperties, additionalProperties,
// items, prefixItems, local $refs, allOf, and the one anyOf/oneOf
// alternative whose type admits the value. Where it cannot tell (a
// non-local $ref, several admitting alternatives), it removes nothing.
// v is not modified.
func (s *Schema) shape(v any, schemas []any) any {
	if len(schemas) == 0 {
		return v
	}
	d := &decl{schemas: map[string][]any{}}
	for _, sc := range schemas {
		s.collect(sc, v, d, 0)
	}
	switch x := v.(type) {
	case *value.Map:
		out := value.NewMap()
		for _, k := range d.props {
			if c, ok := x.Get(k); ok {
				out.Set(k, s.shape(c, append(d.schemas[k], d.patternSchemas(k)...)))
			}
		}
		for _, k := range x.Keys() {
			if _, declared := d.schemas[k]; declared {
				continue
			}
			sub := d.patternSchemas(k)
			if len(sub) == 0 {
				if d.hasProps && !d.open {
					continue // undeclared: removed
				}
				sub = d.extra
			}
			c, _ := x.Get(k)
			out.Set(k, s.shape(c, sub))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, c := range x {
			sub := d.items
			if i < len(d.prefix) {
				sub = d.prefix[i]
			}
			out[i] = s.shape(c, sub)
		}
		return out
	}
	return v
}

func (d *decl) patternSchemas(k string) []any {
	var out []any
	for _, p := range d.patterns {
		if p.re.MatchString(k) {
			out = append(out, p.schema)
		}
	}
	return out
}

// collect adds what schema declares for v to d.
func (s *Schema) collect(schema, v any, d *decl, depth int) {
	m, ok := schema.(*value.Map)
	if !ok {
		return // true, false, or not a schema
	}
	if depth > maxSchemaDepth {
		d.open = true
		return
	}
	get := func(k string) any { x, _ := m.Get(k); return x }
	if ref, ok := get("$ref").(string); ok {
		if target, ok := s.resolveRef(ref); ok {
			s.collect(target, v, d, depth+1)
		} else {
			d.open = true
		}
	}
	if _, ok := m.Get("$dynamicRef"); ok {
		d.open = true
	}
	if props, ok := get("properties").(*value.Map); ok {
		d.hasProps = true
		for _, k := range props.Keys() {
			if _, seen := d.schemas[k]; !seen {
				d.props = append(d.props, k)
			}
			ps, _ := props.Get(k)
			d.schemas[k] = append(d.schemas[k], ps)
		}
	}
	if ap, ok := m.Get("additionalProperties"); ok && ap != false {
		d.open = true
		d.extra = append(d.extra, ap)
	}
	if up, ok := m.Get("unevaluatedProperties"); ok && up != false {
		d.open = true
	}
	if pp, ok := get("patternProperties").(*value.Map); ok {
		for _, p := range pp.Keys() {
			re, err := regexp.Compile(p)
			if err != nil {
				d.open = true
				continue
			}
			ps, _ := pp.Get(p)
			d.patterns = append(d.patterns, patternSchema{re, ps})
		}
	}
	switch items := get("items").(type) {
	case *value.Map, bool:
		d.items = append(d.items, items)
	case []any: // draft 2019 and earlier: a tuple
		d.addPrefix(items)
	}
	if prefix, ok := get("prefixItems").([]any); ok {
		d.addPrefix(prefix)
	}
	for _, key := range []string{"allOf", "if", "then", "else"} {
		switch sub := get(key).(type) {
		case []any:
			for _, x := range sub {
				s.collect(x, v, d, depth+1)
			}
		case *value.Map:
			s.collect(sub, v, d, depth+1)
		}
	}
	if deps, ok := get("dependentSchemas").(*value.Map); ok {
		for _, k := range deps.Keys() {
			x, _ := deps.Get(k)
			s.collect(x, v, d, depth+1)
		}
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		alts, ok := get(key).([]any)
		if !ok {
			continue
		}
		var admitting []any
		for _, alt := range alts {
			if s.admits(alt, v, depth+1) {
				admitting = append(admitting, alt)
			}
		}
		if len(admitting) == 1 {
			s.collect(admitting[0], v, d, depth+1)
		} else if len(admitting) > 1 {
			d.open = true
		}
	}
}

func (d *decl) addPrefix(schemas []any) {
	for i, x := range schemas {
		for len(d.prefix) <= i {
			d.prefix = append(d.prefix, nil)
		}
		d.prefix[i] = append(d.prefix[i], x)
	}
}

// admits reports whether schema's "type" (following local $refs) may
// accept v; a schema without "type" may.
func (s *Schema) admits(schema, v any, depth int) bool {
	m, ok := schema.(*value.Map)
	if !ok {
		return schema != false
	}
	if depth > maxSchemaDepth {
		return true
	}
	if ref, ok := getKey(m, "$ref").(string); ok {
		if target, ok := s.resolveRef(ref); ok && !s.admits(target, v, depth+1) {
			return false
		}
	}
	switch t := getKey(m, "type").(type) {
	case string:
		return typeAdmits(t, v)
	case []any:
		for _, x := range t {
			if name, ok := x.(string); ok && typeAdmits(name, v) {
				return true
			}
		}
		return false
	}
	return true
}

func typeAdmits(t string, v any) bool {
	switch x := v.(type) {
	case nil:
		return t == "null"
	case bool:
		return t == "boolean"
	case string:
		return t == "string"
	case int64:
		return t == "integer" || t == "number"
	case float64:
		return t == "number" || (t == "integer" && x == math.Trunc(x))
	case *value.Map:
		return t == "object"
	case []any:
		return t == "array"
	}
	return false
}

func getKey(m *value.Map, k string) any {
	x, _ := m.Get(k)
	return x
}

// resolveRef resolves a $ref that points inside the schema document ("#"
// or a JSON pointer "#/$defs/x").
func (s *Schema) resolveRef(ref string) (any, bool) {
	return resolvePointer(s.doc, ref)
}

func resolvePointer(root *value.Map, ref string) (any, bool) {
	if ref == "#" {
		return root, true
	}
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var cur any = root
	for _, tok := range strings.Split(ref[2:], "/") {
		if u, err := url.PathUnescape(tok); err == nil {
			tok = u
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case *value.Map:
			next, ok := x.Get(tok)
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}
