package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Side-effect column suffixes of LLM columns.
const (
	TraceSuffix     = "__trace"
	ReasoningSuffix = "__reasoning_content"
)

// SideEffects returns the side-effect column names a column writes, in
// output order (after the main column).
func SideEffects(col Column) []string {
	var llm *LLMColumn
	switch c := col.(type) {
	case *LLMTextColumn:
		llm = &c.LLMColumn
	case *LLMCodeColumn:
		llm = &c.LLMColumn
	case *LLMStructuredColumn:
		llm = &c.LLMColumn
	case *LLMJudgeColumn:
		llm = &c.LLMColumn
	}
	if llm == nil {
		return nil
	}
	var out []string
	if llm.WithTrace != "" && llm.WithTrace != "none" {
		out = append(out, llm.Name+TraceSuffix)
	}
	if llm.ExtractReasoningContent {
		out = append(out, llm.Name+ReasoningSuffix)
	}
	return out
}

// LLM returns the shared LLM fields of an LLM column, or nil.
func LLM(col Column) *LLMColumn {
	switch c := col.(type) {
	case *LLMTextColumn:
		return &c.LLMColumn
	case *LLMCodeColumn:
		return &c.LLMColumn
	case *LLMStructuredColumn:
		return &c.LLMColumn
	case *LLMJudgeColumn:
		return &c.LLMColumn
	}
	return nil
}

// homeDir is $SYNTHGEN_HOME, default ~/.synthgen.
func (d *decoder) homeDir() string {
	if h, ok := d.getenv("SYNTHGEN_HOME"); ok && h != "" {
		return h
	}
	if h, ok := d.getenv("HOME"); ok && h != "" {
		return filepath.Join(h, ".synthgen")
	}
	return ""
}

type homeProviders[T any] struct {
	Providers []T `yaml:"providers"`
}

// loadHome reads $SYNTHGEN_HOME/<file> when it exists; problems in it are
// reported with its own path.
func loadHome[T any](d *decoder, file string) []T {
	dir := d.homeDir()
	if dir == "" {
		return nil
	}
	path := filepath.Join(dir, file)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var root yaml.Node
	sub := &decoder{file: path, getenv: d.getenv}
	if err := yaml.Unmarshal(data, &root); err != nil {
		d.diags.Errorf(Pos{File: path, Line: 1, Col: 1}, "", "not valid YAML: %v", err)
		return nil
	}
	if resolve(&root) == nil {
		return nil
	}
	sub.substituteEnv(&root, "")
	var hp homeProviders[T]
	sub.decode(&root, reflect.ValueOf(&hp).Elem(), "", file)
	d.diags = append(d.diags, sub.diags...)
	return hp.Providers
}

// check runs the cross-reference checks that need the whole document.
func (d *decoder) check(doc *Document) {
	doc.HomeModelProviders = loadHome[ModelProvider](d, "model_providers.yaml")
	doc.HomeMCPProviders = loadHome[MCPProvider](d, "mcp_providers.yaml")

	d.checkColumns(doc)
	d.checkModels(doc)
	d.checkTools(doc)
	d.checkProcessors(doc)
	d.checkRunConfig(doc.RunConfig)
}

func (d *decoder) checkColumns(doc *Document) {
	type decl struct {
		pos  Pos
		path string
		of   string
	}
	names := map[string]decl{}
	declare := func(name string, pos Pos, path, of string) {
		if prev, ok := names[name]; ok {
			what := fmt.Sprintf("column %q", name)
			if of != name {
				what = fmt.Sprintf("side-effect column %q of %q", name, of)
			}
			d.diags.Errorf(pos, path, "duplicate column name: %s is already declared at %s (%s)", what, prev.pos, prev.path)
			return
		}
		names[name] = decl{pos, path, of}
	}
	for _, col := range doc.Columns {
		b := col.Base()
		pos, path := b.Meta.At("name")
		if b.Name == "" {
			if b.Meta.Has("name") {
				d.diags.Errorf(pos, path, "column name must not be empty")
			}
			continue
		}
		if strings.ContainsAny(b.Name, " \t\n{}") {
			d.diags.Errorf(pos, path, "column name %q must not contain spaces or braces (it is used as a template variable)", b.Name)
		}
		declare(b.Name, pos, path, b.Name)
		if b.AllowResize {
			rpos, rpath := b.Meta.At("allow_resize")
			d.diags.Errorf(rpos, rpath, "column %q: allow_resize: true is not supported (every column yields one value per row)", b.Name)
		}
		for _, se := range SideEffects(col) {
			declare(se, pos, path, b.Name)
		}
		if b.Skip != nil {
			if b.ColumnType == KindSampler || b.ColumnType == KindSeedDataset {
				spos, spath := b.Meta.At("skip")
				d.diags.Errorf(spos, spath, "skip is not allowed on %s columns (column %q)", b.ColumnType, b.Name)
			}
			if v := resolve(&b.Skip.Value); v != nil && v.Kind != 0 && v.Kind != yaml.ScalarNode {
				vpos, vpath := b.Skip.Meta.At("value")
				d.diags.Errorf(vpos, vpath, "skip.value must be a scalar or null, got %s", d.describe(v))
			}
		}
		switch c := col.(type) {
		case *LLMStructuredColumn:
			if of := resolve(c.OutputFormat); of != nil && of.Kind != yaml.MappingNode {
				opos, opath := c.Meta.At("output_format")
				d.diags.Errorf(opos, opath, "output_format must be a JSON Schema object (a mapping), got %s", d.describe(of))
			}
		case *LLMJudgeColumn:
			seen := map[string]bool{}
			for _, s := range c.Scores {
				spos, spath := s.Meta.At("name")
				if seen[s.Name] {
					d.diags.Errorf(spos, spath, "duplicate score name %q in column %q", s.Name, c.Name)
				}
				seen[s.Name] = true
				if o := resolve(s.Options); o != nil && (o.Kind != yaml.MappingNode || len(o.Content) == 0) {
					opos, opath := s.Meta.At("options")
					d.diags.Errorf(opos, opath, "score %q: options must be a non-empty mapping of value → description", s.Name)
				}
			}
		case *ValidationColumn:
			if c.Meta.Has("batch_size") && c.BatchSize < 1 {
				bpos, bpath := c.Meta.At("batch_size")
				d.diags.Errorf(bpos, bpath, "batch_size must be at least 1, got %d", c.BatchSize)
			}
			if !c.Meta.Has("batch_size") {
				c.BatchSize = 10
			}
		case *ExpressionColumn:
			if c.Dtype == "" {
				c.Dtype = "str"
			}
		}
		if llm := LLM(col); llm != nil && llm.WithTrace == "" {
			llm.WithTrace = "none"
		}
	}
	d.checkConstraints(doc)
}

func (d *decoder) checkConstraints(doc *Document) {
	kinds := map[string]string{}
	var names []string
	for _, col := range doc.Columns {
		kinds[col.Base().Name] = col.Base().ColumnType
		names = append(names, col.Base().Name)
	}
	for _, ct := range doc.Constraints {
		pos, path := ct.Meta.At("target_column")
		if _, ok := kinds[ct.TargetColumn]; !ok && ct.TargetColumn != "" {
			d.diags.Errorf(pos, path, "constraint target %q is not a column%s", ct.TargetColumn, didYouMean(ct.TargetColumn, names))
		}
		if ct.ConstraintType == "column_inequality" && ct.RHSColumn != "" {
			if _, ok := kinds[ct.RHSColumn]; !ok {
				rpos, rpath := ct.Meta.At("rhs")
				d.diags.Errorf(rpos, rpath, "constraint rhs %q is not a column%s", ct.RHSColumn, didYouMean(ct.RHSColumn, names))
			}
		}
	}
}

func (d *decoder) checkModels(doc *Document) {
	providers := map[string]bool{}
	var providerNames []string
	addProvider := func(name string) {
		if !providers[name] {
			providers[name] = true
			providerNames = append(providerNames, name)
		}
	}
	for _, p := range builtinProviders {
		addProvider(p.Name)
	}
	for _, p := range doc.HomeModelProviders {
		addProvider(p.Name)
	}
	seenProv := map[string]bool{}
	for _, p := range doc.ModelProviders {
		pos, path := p.Meta.At("name")
		if seenProv[p.Name] {
			d.diags.Errorf(pos, path, "duplicate model provider %q", p.Name)
		}
		seenProv[p.Name] = true
		addProvider(p.Name)
		if p.Endpoint != "" && !isHTTPURL(p.Endpoint) {
			epos, epath := p.Meta.At("endpoint")
			d.diags.Errorf(epos, epath, "endpoint %q of provider %q must be an http(s) URL", RedactURL(p.Endpoint), p.Name)
		}
	}
	seen := map[string]bool{}
	for _, m := range doc.ModelConfigs {
		pos, path := m.Meta.At("alias")
		if seen[m.Alias] {
			d.diags.Errorf(pos, path, "duplicate model alias %q", m.Alias)
		}
		seen[m.Alias] = true
		if m.Provider != "" && !providers[m.Provider] {
			ppos, ppath := m.Meta.At("provider")
			d.diags.Errorf(ppos, ppath, "model %q uses unknown provider %q; known: %s%s", m.Alias, m.Provider, strings.Join(providerNames, ", "), didYouMean(m.Provider, providerNames))
		}
		if ip := m.InferenceParameters; ip != nil {
			if ip.MaxParallelRequests != nil && *ip.MaxParallelRequests < 1 {
				ppos, ppath := ip.Meta.At("max_parallel_requests")
				d.diags.Errorf(ppos, ppath, "max_parallel_requests must be at least 1")
			}
			if ip.Timeout != nil && *ip.Timeout <= 0 {
				ppos, ppath := ip.Meta.At("timeout")
				d.diags.Errorf(ppos, ppath, "timeout must be positive (seconds)")
			}
			if ip.MaxTokens != nil && *ip.MaxTokens < 1 {
				ppos, ppath := ip.Meta.At("max_tokens")
				d.diags.Errorf(ppos, ppath, "max_tokens must be at least 1")
			}
			if eb := resolve(ip.ExtraBody); eb != nil && !isNull(eb) && eb.Kind != yaml.MappingNode {
				ppos, ppath := ip.Meta.At("extra_body")
				d.diags.Errorf(ppos, ppath, "extra_body must be a mapping, got %s", d.describe(eb))
			}
		}
	}
	models := doc.Models()
	aliases := make([]string, 0, len(models))
	for a := range models {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	checkAlias := func(col Column, alias string) {
		if alias == "" {
			return
		}
		if _, ok := models[alias]; !ok {
			pos, path := col.Base().Meta.At("model_alias")
			d.diags.Errorf(pos, path, "column %q uses unknown model_alias %q; define it in model_configs%s", col.Base().Name, alias, didYouMean(alias, aliases))
		}
	}
	for _, col := range doc.Columns {
		if llm := LLM(col); llm != nil {
			checkAlias(col, llm.ModelAlias)
		}
		if e, ok := col.(*EmbeddingColumn); ok {
			checkAlias(col, e.ModelAlias)
		}
	}
}

func (d *decoder) checkTools(doc *Document) {
	mcp := map[string]bool{}
	var mcpNames []string
	for _, p := range doc.HomeMCPProviders {
		mcp[p.Name] = true
		mcpNames = append(mcpNames, p.Name)
	}
	seen := map[string]bool{}
	for _, p := range doc.MCPProviders {
		pos, path := p.Meta.At("name")
		if seen[p.Name] {
			d.diags.Errorf(pos, path, "duplicate MCP provider %q", p.Name)
		}
		seen[p.Name] = true
		if !mcp[p.Name] {
			mcpNames = append(mcpNames, p.Name)
		}
		mcp[p.Name] = true
		switch p.ProviderType {
		case "stdio":
			if p.Command == "" {
				d.diags.Errorf(p.Meta.Pos, joinPath(p.Meta.Path, "command"), "MCP provider %q (stdio) needs a command", p.Name)
			}
		case "sse", "streamable_http":
			if p.Endpoint == "" {
				d.diags.Errorf(p.Meta.Pos, joinPath(p.Meta.Path, "endpoint"), "MCP provider %q (%s) needs an endpoint", p.Name, p.ProviderType)
			} else if !isHTTPURL(p.Endpoint) {
				epos, epath := p.Meta.At("endpoint")
				d.diags.Errorf(epos, epath, "endpoint %q of MCP provider %q must be an http(s) URL", RedactURL(p.Endpoint), p.Name)
			}
		}
	}
	tools := map[string]bool{}
	var toolNames []string
	for _, t := range doc.ToolConfigs {
		pos, path := t.Meta.At("tool_alias")
		if tools[t.ToolAlias] {
			d.diags.Errorf(pos, path, "duplicate tool_alias %q", t.ToolAlias)
		}
		tools[t.ToolAlias] = true
		toolNames = append(toolNames, t.ToolAlias)
		for i, p := range t.Providers {
			if !mcp[p] {
				ppos, ppath := t.Meta.At("providers")
				d.diags.Errorf(ppos, fmt.Sprintf("%s[%d]", ppath, i), "tool_alias %q uses unknown MCP provider %q; define it in mcp_providers%s", t.ToolAlias, p, didYouMean(p, mcpNames))
			}
		}
		if t.MaxToolCallTurns != nil && *t.MaxToolCallTurns < 1 {
			tpos, tpath := t.Meta.At("max_tool_call_turns")
			d.diags.Errorf(tpos, tpath, "max_tool_call_turns must be at least 1")
		}
		if t.TimeoutSec != nil && *t.TimeoutSec <= 0 {
			tpos, tpath := t.Meta.At("timeout_sec")
			d.diags.Errorf(tpos, tpath, "timeout_sec must be positive")
		}
	}
	for _, col := range doc.Columns {
		llm := LLM(col)
		if llm == nil || llm.ToolAlias == "" {
			continue
		}
		if !tools[llm.ToolAlias] {
			pos, path := llm.Meta.At("tool_alias")
			d.diags.Errorf(pos, path, "column %q uses unknown tool_alias %q; define it in tool_configs%s", llm.Name, llm.ToolAlias, didYouMean(llm.ToolAlias, toolNames))
		}
	}
}

func (d *decoder) checkProcessors(doc *Document) {
	seen := map[string]bool{}
	for i := range doc.Processors {
		p := &doc.Processors[i]
		if p.ProcessorType == "" {
			switch {
			case p.ColumnNames != nil:
				p.ProcessorType = "drop_columns"
			case p.Template != nil:
				p.ProcessorType = "schema_transform"
			default:
				d.diags.Errorf(p.Meta.Pos, joinPath(p.Meta.Path, "processor_type"), "processor needs processor_type (drop_columns or schema_transform), or column_names / template")
				continue
			}
		}
		switch p.ProcessorType {
		case "drop_columns":
			if len(p.ColumnNames) == 0 {
				d.diags.Errorf(p.Meta.Pos, joinPath(p.Meta.Path, "column_names"), "drop_columns processor needs a non-empty column_names list")
			}
		case "schema_transform":
			if p.Name == "" {
				d.diags.Errorf(p.Meta.Pos, joinPath(p.Meta.Path, "name"), "schema_transform processor needs a name (its output folder)")
			}
			if t := resolve(p.Template); t == nil || t.Kind != yaml.MappingNode {
				d.diags.Errorf(p.Meta.Pos, joinPath(p.Meta.Path, "template"), "schema_transform processor needs a template mapping")
			}
		}
		if p.Name != "" {
			if seen[p.Name] {
				pos, path := p.Meta.At("name")
				d.diags.Errorf(pos, path, "duplicate processor name %q", p.Name)
			}
			seen[p.Name] = true
		}
	}
}

func (d *decoder) checkRunConfig(rc *RunConfig) {
	if rc == nil {
		return
	}
	positive := func(key string, v *int) {
		if v != nil && *v < 1 {
			pos, path := rc.Meta.At(key)
			d.diags.Errorf(pos, path, "%s must be at least 1, got %d", key, *v)
		}
	}
	nonNeg := func(key string, v *int) {
		if v != nil && *v < 0 {
			pos, path := rc.Meta.At(key)
			d.diags.Errorf(pos, path, "%s must not be negative, got %d", key, *v)
		}
	}
	positive("buffer_size", rc.BufferSize)
	positive("shutdown_error_window", rc.ShutdownErrorWindow)
	nonNeg("max_conversation_restarts", rc.MaxConversationRestarts)
	nonNeg("max_conversation_correction_steps", rc.MaxConversationCorrectionSteps)
	if r := rc.ShutdownErrorRate; r != nil && (*r <= 0 || *r > 1) {
		pos, path := rc.Meta.At("shutdown_error_rate")
		d.diags.Errorf(pos, path, "shutdown_error_rate must be in (0, 1], got %g", *r)
	}
	if ra := rc.RequestAdmission; ra != nil {
		if f := ra.MultiplicativeDecreaseFactor; f != nil && (*f <= 0 || *f >= 1) {
			pos, path := ra.Meta.At("multiplicative_decrease_factor")
			d.diags.Errorf(pos, path, "multiplicative_decrease_factor must be in (0, 1), got %g", *f)
		}
	}
}

// isHTTPURL reports whether s is an http(s) URL with a host.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
