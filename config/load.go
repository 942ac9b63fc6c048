package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Options control loading.
type Options struct {
	// Getenv looks up environment variables for ${NAME} substitution and
	// SYNTHGEN_HOME. Nil means os.LookupEnv.
	Getenv func(string) (string, bool)
}

func (o Options) getenv() func(string) (string, bool) {
	if o.Getenv != nil {
		return o.Getenv
	}
	return os.LookupEnv
}

// Load reads and parses the config at path ("-" reads stdin).
func Load(path string, stdin io.Reader, opts Options) (*Document, Diagnostics) {
	var (
		data []byte
		err  error
	)
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, Diagnostics{{Pos: Pos{File: path}, Summary: fmt.Sprintf("cannot read config: %v", errors.Unwrap(err))}}
	}
	return Parse(path, data, opts)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse parses config text. name is used in positions. Every problem found is
// returned; the document is usable only when the diagnostics hold no error.
func Parse(name string, data []byte, opts Options) (*Document, Diagnostics) {
	d := &decoder{file: name, getenv: opts.getenv()}
	if strings.TrimSpace(string(data)) == "" {
		d.diags.Errorf(Pos{File: name, Line: 1, Col: 1}, "", "the config file is empty; it needs at least a `columns` list")
		return nil, d.diags
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		pos := Pos{File: name, Line: 1, Col: 1}
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			pos.Line, _ = strconv.Atoi(m[1])
			msg = m[2]
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		d.diags.Errorf(pos, "", "not valid YAML or JSON: %s", msg)
		return nil, d.diags
	}
	top := resolve(&root)
	if top == nil || top.Kind == 0 {
		d.diags.Errorf(Pos{File: name, Line: 1, Col: 1}, "", "the config file is empty; it needs at least a `columns` list")
		return nil, d.diags
	}
	if top.Kind != yaml.MappingNode {
		what := "nothing"
		if top != nil {
			what = d.describe(top)
		}
		d.diags.Errorf(d.pos(top), "", "a config must be a mapping with a `columns` list, got %s", what)
		return nil, d.diags
	}
	if msg := checkAliases(top); msg != "" {
		d.diags.Errorf(d.pos(top), "", "%s", msg)
		return nil, d.diags
	}
	raw := cloneNode(top)
	d.substituteEnv(top, "")

	body, bodyPath := top, ""
	if hasKey(top, "data_designer") {
		var w wrapped
		d.decode(top, reflect.ValueOf(&w).Elem(), "", "the wrapped document")
		if w.DataDesigner == nil {
			return nil, d.diags.Sort()
		}
		if ds := resolve(w.DatastoreSettings); ds != nil && !isNull(ds) {
			d.errorf(ds, "datastore_settings", "datastore_settings is not supported: synthgen reads seed data from local files only (set it to null and use seed_config.source.path)")
		}
		body, bodyPath = w.DataDesigner, "data_designer"
		raw = mapValue(raw, "data_designer")
	}
	doc := &Document{File: name, Raw: raw, getenv: d.getenv}
	d.decodeDocument(body, doc, bodyPath)
	d.check(doc)
	doc.dropInvalidColumns()
	// Longest first, so a value that contains another is replaced whole.
	sort.SliceStable(d.envValues, func(i, j int) bool { return len(d.envValues[i][1]) > len(d.envValues[j][1]) })
	doc.envValues = d.envValues
	return doc, d.diags.Sort()
}

func hasKey(n *yaml.Node, key string) bool { return mapValue(n, key) != nil }

func mapValue(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func cloneNode(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	n = resolve(n)
	cp := *n
	cp.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		cp.Content[i] = cloneNode(c)
	}
	return &cp
}

// decodeDocument decodes the document body. Columns are decoded one by one,
// by column_type.
func (d *decoder) decodeDocument(n *yaml.Node, doc *Document, path string) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping with a `columns` list, got %s", d.describe(n))
		return
	}
	// Decode everything but columns generically, then columns by kind.
	cols := mapValue(n, "columns")
	stripped := *n
	stripped.Content = nil
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "columns" {
			continue
		}
		stripped.Content = append(stripped.Content, n.Content[i], n.Content[i+1])
	}
	d.decodeStruct(&stripped, reflect.ValueOf(doc).Elem(), path, "the config")
	if rs := resolve(doc.RecordSelection); rs != nil && !isNull(rs) {
		pos, p := doc.Meta.At("record_selection")
		d.diags.Errorf(pos, p, "record_selection is not supported by synthgen yet (set it to null)")
	}
	// decodeStruct reported "missing columns"; re-add the key position.
	colsPath := joinPath(path, "columns")
	if cols != nil {
		d.diags = dropMissing(d.diags, colsPath)
		doc.Meta.Keys["columns"] = d.pos(resolve(cols))
		d.decodeColumns(cols, doc, colsPath)
	}
	if doc.Meta.Path == "" && path != "" {
		doc.Meta.Path = path
	}
	d.resolveConstraints(doc)
}

func dropMissing(ds Diagnostics, path string) Diagnostics {
	out := ds[:0]
	for _, x := range ds {
		if x.Path == path && strings.HasPrefix(x.Summary, "missing required field") {
			continue
		}
		out = append(out, x)
	}
	return out
}

// columnTypes maps column_type to its config struct.
var columnTypes = map[string]reflect.Type{
	KindSampler:       reflect.TypeOf(SamplerColumn{}),
	KindLLMText:       reflect.TypeOf(LLMTextColumn{}),
	KindLLMCode:       reflect.TypeOf(LLMCodeColumn{}),
	KindLLMStructured: reflect.TypeOf(LLMStructuredColumn{}),
	KindLLMJudge:      reflect.TypeOf(LLMJudgeColumn{}),
	KindExpression:    reflect.TypeOf(ExpressionColumn{}),
	KindValidation:    reflect.TypeOf(ValidationColumn{}),
	KindSeedDataset:   reflect.TypeOf(SeedDatasetColumn{}),
	KindEmbedding:     reflect.TypeOf(EmbeddingColumn{}),
}

// ColumnKinds lists the supported column_type values.
func ColumnKinds() []string {
	return []string{KindSampler, KindLLMText, KindLLMCode, KindLLMStructured, KindLLMJudge, KindExpression, KindValidation, KindSeedDataset, KindEmbedding}
}

// ColumnStruct returns a new zero value of the config struct of a kind, or
// nil for an unknown kind (for docs).
func ColumnStruct(kind string) Column {
	t, ok := columnTypes[kind]
	if !ok {
		return nil
	}
	return reflect.New(t).Interface().(Column)
}

var unsupportedKinds = map[string]string{
	kindImage:  "image generation columns are not supported by synthgen",
	kindCustom: "custom columns run Python functions, which synthgen cannot run",
}

func (d *decoder) decodeColumns(n *yaml.Node, doc *Document, path string) {
	n = resolve(n)
	if isNull(n) {
		d.errorf(n, path, "`columns` must list at least one column")
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "expected a list of columns, got %s", d.describe(n))
		return
	}
	if len(n.Content) == 0 {
		d.errorf(n, path, "`columns` must list at least one column")
		return
	}
	for i, c := range n.Content {
		cp := indexPath(path, i)
		c = resolve(c)
		if c.Kind != yaml.MappingNode {
			d.errorf(c, cp, "expected a column mapping with name and column_type, got %s", d.describe(c))
			continue
		}
		name := ""
		if nv := resolve(mapValue(c, "name")); nv != nil && nv.Kind == yaml.ScalarNode {
			name = nv.Value
		}
		label := "column"
		if name != "" {
			label = fmt.Sprintf("column %q", name)
		}
		ctn := resolve(mapValue(c, "column_type"))
		invalid := func() {
			if name != "" {
				doc.InvalidColumns = append(doc.InvalidColumns, name)
			}
		}
		if ctn == nil || isNull(ctn) {
			invalid()
			hint := ""
			if mapValue(c, "sampler_type") != nil {
				hint = " (it has sampler_type: add column_type: sampler)"
			}
			d.errorf(c, joinPath(cp, "column_type"), "missing required field \"column_type\" in %s%s; one of %s", label, hint, strings.Join(ColumnKinds(), ", "))
			continue
		}
		kind := ctn.Value
		if why, ok := unsupportedKinds[kind]; ok {
			invalid()
			d.errorf(ctn, joinPath(cp, "column_type"), "%s: column_type %q is not supported: %s", label, kind, why)
			continue
		}
		t, ok := columnTypes[kind]
		if !ok {
			invalid()
			d.errorf(ctn, joinPath(cp, "column_type"), "unknown column_type %q in %s; must be one of %s%s", kind, label, strings.Join(ColumnKinds(), ", "), didYouMean(kind, ColumnKinds()))
			continue
		}
		v := reflect.New(t)
		before := len(d.diags.Errors())
		d.decodeStruct(c, v.Elem(), cp, fmt.Sprintf("%s %s", kind, label))
		col := v.Interface().(Column)
		d.decodeColumnParts(col)
		if len(d.diags.Errors()) > before && name != "" {
			doc.InvalidColumns = append(doc.InvalidColumns, name)
		}
		doc.Columns = append(doc.Columns, col)
	}
}

// decodeColumnParts decodes the parts whose type depends on another field:
// sampler params, validator params.
func (d *decoder) decodeColumnParts(col Column) {
	switch c := col.(type) {
	case *SamplerColumn:
		d.decodeSampler(c)
	case *ValidationColumn:
		d.decodeValidator(c)
	}
}

// samplerParamTypes maps sampler_type to its params struct.
var samplerParamTypes = map[string]reflect.Type{
	SamplerCategory:         reflect.TypeOf(CategoryParams{}),
	SamplerSubcategory:      reflect.TypeOf(SubcategoryParams{}),
	SamplerUniform:          reflect.TypeOf(UniformParams{}),
	SamplerGaussian:         reflect.TypeOf(GaussianParams{}),
	SamplerBernoulli:        reflect.TypeOf(BernoulliParams{}),
	SamplerBernoulliMixture: reflect.TypeOf(BernoulliMixtureParams{}),
	SamplerBinomial:         reflect.TypeOf(BinomialParams{}),
	SamplerPoisson:          reflect.TypeOf(PoissonParams{}),
	SamplerScipy:            reflect.TypeOf(ScipyParams{}),
	SamplerDatetime:         reflect.TypeOf(DatetimeParams{}),
	SamplerTimedelta:        reflect.TypeOf(TimedeltaParams{}),
	SamplerUUID:             reflect.TypeOf(UUIDParams{}),
	SamplerPersonFromFaker:  reflect.TypeOf(PersonParams{}),
	SamplerPerson:           reflect.TypeOf(PersonParams{}),
}

// SamplerTypes lists the supported sampler types.
func SamplerTypes() []string {
	return []string{SamplerCategory, SamplerSubcategory, SamplerUniform, SamplerGaussian, SamplerBernoulli, SamplerBernoulliMixture, SamplerBinomial, SamplerPoisson, SamplerScipy, SamplerDatetime, SamplerTimedelta, SamplerUUID, SamplerPersonFromFaker, SamplerPerson}
}

// SamplerParamsStruct returns a new zero params value for a sampler type (for docs).
func SamplerParamsStruct(samplerType string) SamplerParams {
	t, ok := samplerParamTypes[samplerType]
	if !ok {
		return nil
	}
	return reflect.New(t).Interface().(SamplerParams)
}

func (d *decoder) decodeSampler(c *SamplerColumn) {
	label := fmt.Sprintf("column %q", c.Name)
	st := c.SamplerType
	stNode := (*yaml.Node)(nil)
	if p := resolve(c.RawParams); p != nil {
		if inner := resolve(mapValue(p, samplerTypeInParam)); inner != nil && !isNull(inner) {
			if st == "" {
				st = inner.Value
				stNode = inner
			} else if inner.Value != st {
				_, path := c.Meta.At("params")
				d.errorf(inner, path+".sampler_type", "params.sampler_type %q does not match sampler_type %q", inner.Value, st)
			}
		}
	}
	pos, path := c.Meta.At("sampler_type")
	if st == "" {
		d.diags.Errorf(c.Meta.Pos, path, "missing required field \"sampler_type\" in sampler %s; one of %s", label, strings.Join(SamplerTypes(), ", "))
		return
	}
	t, ok := samplerParamTypes[st]
	if !ok {
		if stNode != nil {
			pos = d.pos(stNode)
		}
		d.diags.Errorf(pos, path, "unknown sampler_type %q in %s; must be one of %s%s", st, label, strings.Join(SamplerTypes(), ", "), didYouMean(st, SamplerTypes()))
		return
	}
	c.SamplerType = st
	if c.RawParams == nil {
		return // missing params already reported
	}
	_, ppath := c.Meta.At("params")
	pv := reflect.New(t)
	d.decode(c.RawParams, pv.Elem(), ppath, fmt.Sprintf("%s params of %s", st, label))
	c.Params = pv.Interface().(SamplerParams)
	for _, cond := range d.conditions(c) {
		cpath := ppath[:len(ppath)-len("params")] + "conditional_params." + cond.key
		cv := reflect.New(t)
		d.decode(cond.node, cv.Elem(), cpath, fmt.Sprintf("%s params of %s (condition %q)", st, label, cond.key))
		c.ConditionalParams = append(c.ConditionalParams, ConditionalParams{
			Condition: cond.key, Params: cv.Interface().(SamplerParams),
			Pos: Pos{File: d.file, Line: cond.keyNode.Line, Col: cond.keyNode.Column}, Path: cpath,
		})
	}
}

type condEntry struct {
	key     string
	keyNode *yaml.Node
	node    *yaml.Node
}

// sortedConditions returns conditional_params in file order.
func (d *decoder) conditions(c *SamplerColumn) []condEntry {
	n := resolve(c.RawConditional)
	if isNull(n) {
		return nil
	}
	_, path := c.Meta.At("conditional_params")
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping of condition → params, got %s", d.describe(n))
		return nil
	}
	var out []condEntry
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if seen[k.Value] {
			d.errorf(k, joinPath(path, k.Value), "duplicate condition %q", k.Value)
			continue
		}
		seen[k.Value] = true
		out = append(out, condEntry{key: k.Value, keyNode: k, node: n.Content[i+1]})
	}
	return out
}

func (d *decoder) decodeValidator(c *ValidationColumn) {
	if c.ValidatorParams == nil {
		return
	}
	_, path := c.Meta.At("validator_params")
	label := fmt.Sprintf("%s validator params of column %q", c.ValidatorType, c.Name)
	if inner := resolve(mapValue(c.ValidatorParams, "validator_type")); inner != nil && !isNull(inner) && inner.Value != c.ValidatorType {
		d.errorf(inner, path+".validator_type", "validator_params.validator_type %q does not match validator_type %q", inner.Value, c.ValidatorType)
	}
	switch c.ValidatorType {
	case "code":
		c.Code = &CodeValidatorParams{}
		d.decode(c.ValidatorParams, reflect.ValueOf(c.Code).Elem(), path, label)
	case "remote":
		c.Remote = &RemoteValidatorParams{}
		d.decode(c.ValidatorParams, reflect.ValueOf(c.Remote).Elem(), path, label)
	case "command":
		c.Command = &CommandValidatorParams{}
		d.decode(c.ValidatorParams, reflect.ValueOf(c.Command).Elem(), path, label)
	case "local_callable":
		pos, p := c.Meta.At("validator_type")
		d.diags.Errorf(pos, p, "column %q: validator_type \"local_callable\" is not supported: it runs a Python function, which synthgen cannot run; use a `command` validator instead", c.Name)
	}
}

// resolveConstraints decides each constraint's rhs: a number or a column,
// and the constraint type when it was left out.
func (d *decoder) resolveConstraints(doc *Document) {
	for i := range doc.Constraints {
		ct := &doc.Constraints[i]
		rhs := resolve(&ct.RHS)
		if rhs == nil || isNull(rhs) {
			continue
		}
		pos, path := ct.Meta.At("rhs")
		if rhs.Kind != yaml.ScalarNode {
			d.diags.Errorf(pos, path, "rhs must be a number or a column name, got %s", d.describe(rhs))
			continue
		}
		f, isNum := number(rhs)
		switch ct.ConstraintType {
		case "scalar_inequality":
			if !isNum {
				d.diags.Errorf(pos, path, "a scalar_inequality needs a number as rhs, got %s", d.describe(rhs))
			}
		case "column_inequality":
			if isNum {
				d.diags.Errorf(pos, path, "a column_inequality needs a column name as rhs, got %s", d.describe(rhs))
			}
		case "":
			if isNum {
				ct.ConstraintType = "scalar_inequality"
			} else {
				ct.ConstraintType = "column_inequality"
			}
		}
		if isNum {
			ct.RHSNumber = f
		} else {
			ct.RHSColumn = rhs.Value
		}
	}
}

// BaseDir is the folder relative paths in the config resolve against.
func (doc *Document) BaseDir() string {
	if doc.File == "-" || doc.File == "" {
		wd, _ := os.Getwd()
		return wd
	}
	return filepath.Dir(doc.File)
}

// LoadRunConfig reads a run settings file (--run-config): the run_config
// fields at the top level, or under a `run_config:` key.
func LoadRunConfig(path string, opts Options) (*RunConfig, Diagnostics) {
	d := &decoder{file: path, getenv: opts.getenv()}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Diagnostics{{Pos: Pos{File: path}, Summary: fmt.Sprintf("cannot read run config: %v", errors.Unwrap(err))}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Diagnostics{{Pos: Pos{File: path, Line: 1, Col: 1}, Summary: fmt.Sprintf("not valid YAML or JSON: %v", err)}}
	}
	top := resolve(&root)
	if top == nil {
		return &RunConfig{}, nil
	}
	d.substituteEnv(top, "")
	path0 := ""
	if inner := mapValue(top, "run_config"); inner != nil {
		top, path0 = resolve(inner), "run_config"
	}
	rc := &RunConfig{}
	d.decode(top, reflect.ValueOf(rc).Elem(), path0, "run config")
	d.checkRunConfig(rc)
	return rc, d.diags.Sort()
}

// Merge returns the effective run config: fields set in over replace those
// of base. Either may be nil.
func (rc *RunConfig) Merge(over *RunConfig) *RunConfig {
	out := &RunConfig{}
	if rc != nil {
		*out = *rc
	}
	if over == nil {
		return out
	}
	ov := reflect.ValueOf(over).Elem()
	dst := reflect.ValueOf(out).Elem()
	for i := 0; i < ov.NumField(); i++ {
		f := ov.Field(i)
		switch f.Kind() {
		case reflect.Pointer:
			if !f.IsNil() {
				dst.Field(i).Set(f)
			}
		case reflect.Bool:
			if f.Bool() {
				dst.Field(i).Set(f)
			}
		}
	}
	return out
}

// maxExpandedNodes bounds the size of a document once its aliases are
// expanded (a few aliases can otherwise describe an enormous tree).
const maxExpandedNodes = 1_000_000

// checkAliases rejects recursive aliases and alias bombs, so the walks over
// the tree terminate in reasonable time. It returns "" when the tree is fine.
func checkAliases(root *yaml.Node) string {
	size := map[*yaml.Node]int{}
	onPath := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node) (int, string)
	walk = func(n *yaml.Node) (int, string) {
		if n == nil {
			return 0, ""
		}
		if s, ok := size[n]; ok {
			return s, ""
		}
		if onPath[n] {
			return 0, fmt.Sprintf("recursive YAML alias at line %d", n.Line)
		}
		onPath[n] = true
		defer delete(onPath, n)
		total := 1
		kids := n.Content
		if n.Kind == yaml.AliasNode {
			kids = []*yaml.Node{n.Alias}
		}
		for _, c := range kids {
			s, msg := walk(c)
			if msg != "" {
				return 0, msg
			}
			total += s
			if total > maxExpandedNodes {
				return 0, "the document expands to too many nodes through YAML aliases"
			}
		}
		size[n] = total
		return total, ""
	}
	_, msg := walk(root)
	return msg
}

// dropInvalidColumns removes the columns that had errors, after the checks
// that need every column (duplicates, references to models and tools), so
// later stages only see columns they can build.
func (doc *Document) dropInvalidColumns() {
	if len(doc.InvalidColumns) == 0 {
		return
	}
	bad := map[string]bool{}
	for _, n := range doc.InvalidColumns {
		bad[n] = true
	}
	kept := doc.Columns[:0]
	for _, c := range doc.Columns {
		if !bad[c.Base().Name] {
			kept = append(kept, c)
		}
	}
	doc.Columns = kept
}
