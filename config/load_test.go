package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func env(vars map[string]string) Options {
	return Options{Getenv: func(k string) (string, bool) {
		if k == "SYNTHGEN_HOME" {
			return "/nonexistent-synthgen-home", true
		}
		v, ok := vars[k]
		return v, ok
	}}
}

func parse(t *testing.T, src string) (*Document, Diagnostics) {
	t.Helper()
	return Parse("cfg.yaml", []byte(src), env(map[string]string{"TOPIC": "space", "KEY": "sk-secret-123"}))
}

func TestParseBothForms(t *testing.T) {
	short := `
columns:
  - name: topic
    column_type: sampler
    sampler_type: category
    params: {values: [a, b], weights: [1, 3]}
  - name: line
    column_type: expression
    expr: "{{ topic }}!"
`
	wrapped := "data_designer:\n" + indent(short, "  ") + "library_version: 0.9.0\n"
	jsonForm := `{"columns": [{"name": "topic", "column_type": "sampler", "sampler_type": "category", "params": {"values": ["a", "b"], "weights": [1, 3]}},
	 {"name": "line", "column_type": "expression", "expr": "{{ topic }}!"}]}`
	for name, src := range map[string]string{"shorthand": short, "wrapped": wrapped, "json": jsonForm} {
		t.Run(name, func(t *testing.T) {
			doc, diags := parse(t, src)
			if diags.HasErrors() {
				t.Fatalf("unexpected errors:\n%v", diags)
			}
			if len(doc.Columns) != 2 {
				t.Fatalf("got %d columns", len(doc.Columns))
			}
			s := doc.Columns[0].(*SamplerColumn)
			cp, ok := s.Params.(*CategoryParams)
			if !ok || len(cp.Values) != 2 || cp.Weights[1] != 3 {
				t.Fatalf("params not decoded: %#v", s.Params)
			}
			e := doc.Columns[1].(*ExpressionColumn)
			if e.Expr != "{{ topic }}!" || e.Dtype != "str" {
				t.Fatalf("expression: %#v", e)
			}
		})
	}
}

func indent(s, pad string) string {
	lines := strings.Split(strings.TrimPrefix(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}

func TestParamsSamplerTypeInside(t *testing.T) {
	doc, diags := parse(t, `
columns:
  - name: x
    column_type: sampler
    params: {sampler_type: uniform, low: 1, high: 2}
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c := doc.Columns[0].(*SamplerColumn)
	if c.SamplerType != "uniform" || c.Params.(*UniformParams).High != 2 {
		t.Fatalf("%#v", c)
	}
}

func TestEnvSubstitution(t *testing.T) {
	doc, diags := parse(t, `
columns:
  - name: x
    column_type: expression
    expr: "about ${TOPIC}"
model_providers:
  - name: p
    endpoint: http://127.0.0.1:9/v1
    api_key: ${KEY}
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := doc.Columns[0].(*ExpressionColumn).Expr; got != "about space" {
		t.Fatalf("expr = %q", got)
	}
	if doc.ModelProviders[0].APIKey != "sk-secret-123" {
		t.Fatal("api_key not substituted")
	}
	// builder_config.json keeps ${KEY}, never the secret.
	if b := string(doc.BuilderConfigJSON()); strings.Contains(b, "sk-secret") || !strings.Contains(b, "${KEY}") {
		t.Fatalf("builder config leaks or loses the reference:\n%s", b)
	}
}

func TestLiteralSecretRedacted(t *testing.T) {
	doc, diags := parse(t, `
columns:
  - {name: x, column_type: expression, expr: "a"}
model_providers:
  - {name: p, endpoint: "http://127.0.0.1:9/v1", api_key: sk-literal-999, extra_headers: {X-Token: abc}}
mcp_providers:
  - {name: m, provider_type: stdio, command: ./srv, env: {TOKEN: zzz-secret}}
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	b := string(doc.BuilderConfigJSON())
	for _, secret := range []string{"sk-literal-999", "abc", "zzz-secret"} {
		if strings.Contains(b, secret) {
			t.Errorf("builder config contains %q:\n%s", secret, b)
		}
	}
}

func TestHashIgnoresTimeoutsAndConcurrency(t *testing.T) {
	base := `
columns:
  - {name: x, column_type: expression, expr: "a"}
model_configs:
  - alias: m
    model: gpt
    provider: mock
    inference_parameters: {max_parallel_requests: %d, timeout: %d}
`
	a, _ := parse(t, strings.Replace(strings.Replace(base, "%d", "4", 1), "%d", "60", 1))
	b, _ := parse(t, strings.Replace(strings.Replace(base, "%d", "64", 1), "%d", "10", 1))
	c, _ := parse(t, strings.Replace(strings.Replace(base, "%d", "4", 1), "%d", "60", 1)+"\n")
	if a.Hash() != b.Hash() || a.Hash() != c.Hash() {
		t.Fatal("hash depends on concurrency/timeouts or whitespace")
	}
	d, _ := parse(t, strings.Replace(strings.Replace(strings.Replace(base, "%d", "4", 1), "%d", "60", 1), `"a"`, `"b"`, 1))
	if a.Hash() == d.Hash() {
		t.Fatal("hash ignores a column change")
	}
}

func TestBuiltinModelsAndOverride(t *testing.T) {
	doc, diags := parse(t, `
columns:
  - {name: a, column_type: llm-text, model_alias: mock-text, prompt: hi}
  - {name: b, column_type: llm-text, model_alias: openai-text, prompt: hi}
model_configs:
  - {alias: openai-text, model: other, provider: mock}
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if m := doc.Models()["openai-text"]; m.Model != "other" {
		t.Fatalf("config alias should replace the built-in: %+v", m)
	}
	if _, ok := doc.Models()["nvidia-reasoning"]; !ok {
		t.Fatal("built-in alias missing")
	}
}

// TestDiagnosticsGolden runs every testdata/diagnostics/*.yaml and compares
// the printed diagnostics with the .golden file next to it.
func TestDiagnosticsGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/diagnostics/*.yaml")
	if len(files) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, diags := Parse(filepath.Base(f), data, env(nil))
			var b strings.Builder
			for _, d := range diags {
				b.WriteString(d.String())
				b.WriteByte('\n')
			}
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				os.WriteFile(golden, []byte(b.String()), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden file (run with -update): %v", err)
			}
			if b.String() != string(want) {
				t.Errorf("diagnostics differ\n--- got\n%s--- want\n%s", b.String(), want)
			}
			if !diags.HasErrors() {
				t.Error("a bad config must produce at least one error")
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string // substring of some diagnostic
	}{
		{"unknown field", "columns:\n  - {name: a, column_type: expression, expr: x, exprr: y}\n", `cfg.yaml:2:49: columns[0].exprr: unknown field "exprr" in expression column "a"; did you mean "expr"?`},
		{"wrong type", "columns:\n  - {name: a, column_type: sampler, sampler_type: category, params: {values: 3}}\n", `columns[0].params.values: expected a list, got a number (3)`},
		{"missing required", "columns:\n  - {name: a, column_type: expression}\n", `columns[0].expr: missing required field "expr" in expression column "a"`},
		{"duplicate column", "columns:\n  - {name: a, column_type: expression, expr: x}\n  - {name: a, column_type: expression, expr: y}\n", `duplicate column name: column "a" is already declared at cfg.yaml:2:12`},
		{"duplicate side effect", "columns:\n  - {name: a, column_type: llm-text, model_alias: mock-text, prompt: p, with_trace: all_messages}\n  - {name: a__trace, column_type: expression, expr: y}\n", `duplicate column name: column "a__trace" is already declared`},
		{"bad enum", "columns:\n  - {name: a, column_type: expression, expr: x, dtype: integer}\n", `dtype must be one of str, int, float, bool, got a string ("integer")`},
		{"with_trace true", "columns:\n  - {name: a, column_type: llm-text, model_alias: mock-text, prompt: p, with_trace: true}\n", `did you mean "all_messages"?`},
		{"unset env", "columns:\n  - {name: a, column_type: expression, expr: \"${NOPE_NOT_SET}\"}\n", `environment variable "NOPE_NOT_SET" is not set`},
		{"empty file", "", `the config file is empty`},
		{"only comments", "# nothing\n", `the config file is empty`},
		{"not yaml", "columns: [a, b\n  x: : y\n", `not valid YAML or JSON`},
		{"not a mapping", "- a\n- b\n", `a config must be a mapping with a ` + "`columns`" + ` list, got a list`},
		{"no columns", "model_configs: []\n", `missing required field "columns"`},
		{"empty columns", "columns: []\n", "`columns` must list at least one column"},
		{"unknown kind", "columns:\n  - {name: a, column_type: smapler}\n", `unknown column_type "smapler" in column "a"`},
		{"kind suggestion", "columns:\n  - {name: a, column_type: smapler}\n", `did you mean "sampler"?`},
		{"custom unsupported", "columns:\n  - {name: a, column_type: custom}\n", `column "a": column_type "custom" is not supported: custom columns run Python functions`},
		{"image unsupported", "columns:\n  - {name: a, column_type: image}\n", `column "a": column_type "image" is not supported`},
		{"unknown sampler type", "columns:\n  - {name: a, column_type: sampler, sampler_type: gausian, params: {}}\n", `did you mean "gaussian"?`},
		{"local_callable", "columns:\n  - {name: a, column_type: validation, target_columns: [b], validator_type: local_callable, validator_params: {}}\n", `validator_type "local_callable" is not supported`},
		{"unknown model alias", "columns:\n  - {name: a, column_type: llm-text, model_alias: writr, prompt: p}\nmodel_configs:\n  - {alias: writer, model: m, provider: mock}\n", `unknown model_alias "writr"; define it in model_configs; did you mean "writer"?`},
		{"unknown provider", "columns:\n  - {name: a, column_type: expression, expr: x}\nmodel_configs:\n  - {alias: w, model: m, provider: mok}\n", `did you mean "mock"?`},
		{"unknown tool alias", "columns:\n  - {name: a, column_type: llm-text, model_alias: mock-text, prompt: p, tool_alias: t}\n", `unknown tool_alias "t"`},
		{"unknown mcp provider", "columns:\n  - {name: a, column_type: expression, expr: x}\ntool_configs:\n  - {tool_alias: t, providers: [nope]}\n", `tool_alias "t" uses unknown MCP provider "nope"`},
		{"duplicate key", "columns:\n  - {name: a, column_type: expression, expr: x, expr: y}\n", `duplicate key "expr"`},
		{"bool for string list", "columns:\n  - {name: a, column_type: validation, target_columns: true, validator_type: code, validator_params: {code_lang: python}}\n", `expected a list, got a boolean (true)`},
		{"skip on sampler", "columns:\n  - {name: a, column_type: sampler, sampler_type: uuid, params: {}, skip: {when: '{{ 1 }}'}}\n", `skip is not allowed on sampler columns`},
		{"run config range", "columns:\n  - {name: a, column_type: expression, expr: x}\nrun_config: {buffer_size: 0, shutdown_error_rate: 2}\n", `buffer_size must be at least 1`},
		{"constraint target", "columns:\n  - {name: a, column_type: sampler, sampler_type: uniform, params: {low: 0, high: 1}}\nconstraints:\n  - {target_column: b, operator: lt, rhs: 1}\n", `constraint target "b" is not a column`},
		{"structured schema not mapping", "columns:\n  - {name: a, column_type: llm-structured, model_alias: mock-text, prompt: p, output_format: 3}\n", `output_format must be a JSON Schema object`},
		{"temperature dist", "columns:\n  - {name: a, column_type: expression, expr: x}\nmodel_configs:\n  - {alias: w, model: m, provider: mock, inference_parameters: {temperature: {distribution_type: uniform, params: {low: 1}}}}\n", `a uniform distribution needs params low and high`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := parse(t, tt.give)
			if !diags.HasErrors() {
				t.Fatalf("no error for %q", tt.give)
			}
			if !strings.Contains(diags.Error(), tt.want) {
				t.Fatalf("want a diagnostic containing\n  %s\ngot\n%s", tt.want, diags.Error())
			}
		})
	}
}

func TestAllProblemsAtOnce(t *testing.T) {
	_, diags := parse(t, `
columns:
  - {name: a, column_type: expression, expr: x, dtpe: int}
  - {name: b, column_type: smapler}
  - {name: c, column_type: sampler, sampler_type: uniform, params: {low: 1}}
`)
	if n := len(diags.Errors()); n != 3 {
		t.Fatalf("want 3 errors, got %d:\n%v", n, diags)
	}
	// Sorted by position.
	for i := 1; i < len(diags); i++ {
		if diags[i].Pos.Line < diags[i-1].Pos.Line {
			t.Fatalf("not sorted:\n%v", diags)
		}
	}
}

func TestLoadRunConfig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "run.yaml")
	os.WriteFile(p, []byte("buffer_size: 50\nseed: 7\n"), 0o644)
	rc, diags := LoadRunConfig(p, env(nil))
	if diags.HasErrors() || *rc.BufferSize != 50 || *rc.Seed != 7 {
		t.Fatalf("%v %+v", diags, rc)
	}
	base := &RunConfig{ShutdownErrorRate: ptr(0.2), BufferSize: ptr(10)}
	m := base.Merge(rc)
	if *m.BufferSize != 50 || *m.ShutdownErrorRate != 0.2 {
		t.Fatalf("merge: %+v", m)
	}
}

func ptr[T any](v T) *T { return &v }

func TestSuggest(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{"promt", "prompt"}, {"smapler", "sampler"}, {"modle_alias", "model_alias"}, {"zzzzzz", ""}, {"ab", ""},
	}
	cands := []string{"prompt", "sampler", "model_alias", "name"}
	for _, tt := range tests {
		if got := Suggest(tt.give, cands); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestSecretsNeverInBuilderConfigOrMessages(t *testing.T) {
	opts := Options{Getenv: func(k string) (string, bool) {
		switch k {
		case "MYTOKEN":
			return "s3cr3tTOK", true
		case "OPENAI_API_KEY":
			return "sk-real", true
		}
		return "", false
	}}
	doc, diags := Parse("c.yaml", []byte(`
columns:
  - {name: x, column_type: expression, expr: "a"}
model_providers:
  - {name: a, endpoint: "http://127.0.0.1:9/v1", api_key: OPENAI_API_KEY}
  - {name: b, endpoint: "https://user:basicpw@example.com/v1", api_key: ABCDEF0123456789SECRET, extra_body: {nested: {password: hunter2}}}
model_configs:
  - {alias: m, model: x, provider: a, inference_parameters: {temperature: "${MYTOKEN}"}}
`), opts)
	if !strings.Contains(diags.Error(), "the value of ${MYTOKEN}") || strings.Contains(diags.Error(), "s3cr3tTOK") {
		t.Fatalf("diagnostic must name the reference, not the value:\n%v", diags)
	}
	b := string(doc.BuilderConfigJSON())
	for _, secret := range []string{"s3cr3tTOK", "basicpw", "ABCDEF0123456789SECRET", "hunter2", "sk-real"} {
		if strings.Contains(b, secret) {
			t.Errorf("builder config leaks %q:\n%s", secret, b)
		}
	}
	if !strings.Contains(b, `"OPENAI_API_KEY"`) {
		t.Errorf("an api_key naming a set variable is kept:\n%s", b)
	}
}

func TestHashIgnoresKeyOrder(t *testing.T) {
	a, _ := parse(t, "columns:\n  - {name: x, column_type: expression, expr: a, dtype: str}\n")
	b, _ := parse(t, "columns:\n  - {dtype: str, expr: a, column_type: expression, name: x}\n")
	if a.Hash() != b.Hash() {
		t.Fatal("the hash depends on the order keys are written in")
	}
}

func TestRunConfigCanTurnEarlyShutdownBackOn(t *testing.T) {
	base := &RunConfig{DisableEarlyShutdown: ptr(true)}
	m := base.Merge(&RunConfig{DisableEarlyShutdown: ptr(false)})
	if m.DisableEarlyShutdown == nil || *m.DisableEarlyShutdown {
		t.Fatal("an explicit false in --run-config must win")
	}
}
