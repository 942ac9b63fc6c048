package generate

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// unitOrder names the plan's units in generation order ("a+b" for a unit of
// several columns).
func unitOrder(p *Plan) string {
	var names []string
	for _, u := range p.Units {
		names = append(names, strings.Join(u.Columns, "+"))
	}
	return strings.Join(names, " ")
}

// writtenNames names the written columns in order.
func writtenNames(p *Plan) string {
	var names []string
	for _, s := range p.Written {
		names = append(names, p.Outputs[s].Name)
	}
	return strings.Join(names, " ")
}

func TestNewPlan_Order(t *testing.T) {
	tests := []struct {
		name string
		give string // the columns list
		want string
	}{
		{
			name: "independent columns keep config order",
			give: `
  - {name: z, column_type: expression, expr: "1"}
  - {name: y, column_type: expression, expr: "2"}
  - {name: x, column_type: expression, expr: "3"}`,
			want: "z y x",
		},
		{
			// Build returns units grouped by kind (samplers, then
			// expressions); the plan still follows the config.
			name: "kinds interleaved keep config order",
			give: `
  - {name: a, column_type: sampler, sampler_type: uniform, params: {low: 0, high: 1}}
  - {name: b, column_type: expression, expr: "{{ a }}"}
  - {name: c, column_type: sampler, sampler_type: uniform, params: {low: 0, high: 1}}
  - {name: d, column_type: expression, expr: "{{ c }}"}`,
			want: "a b c d",
		},
		{
			name: "a reference to a later column runs after it",
			give: `
  - {name: greeting, column_type: expression, expr: "hi {{ name }}"}
  - {name: other, column_type: expression, expr: "x"}
  - {name: name, column_type: sampler, sampler_type: category, params: {values: [ann, bob]}}`,
			want: "other name greeting",
		},
		{
			name: "chain declared backwards",
			give: `
  - {name: c, column_type: expression, expr: "{{ b }}"}
  - {name: b, column_type: expression, expr: "{{ a }}"}
  - {name: a, column_type: expression, expr: "1"}`,
			want: "a b c",
		},
		{
			name: "skip.when is a dependency",
			give: `
  - {name: s, column_type: expression, expr: "x", skip: {when: "{{ flag == 1 }}", value: null}}
  - {name: flag, column_type: sampler, sampler_type: bernoulli, params: {p: 0.5}}`,
			want: "flag s",
		},
		{
			name: "a side-effect reference depends on its column",
			give: `
  - {name: summary, column_type: expression, expr: "{{ answer__trace }}"}
  - {name: answer, column_type: llm-text, model_alias: mock-text, prompt: "hi", with_trace: all_messages}`,
			want: "answer summary",
		},
		{
			name: "seed columns come first",
			give: `
  - {name: label, column_type: expression, expr: "{{ city }}-{{ n }}"}
  - {name: n, column_type: sampler, sampler_type: uniform, params: {low: 0, high: 1}}
seed_config: {source: {seed_type: local, path: cities.csv}}`,
			want: "city+pop n label",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p := mustPlan(t, "columns:"+tt.give+"\n", 1)
			if got := unitOrder(p); got != tt.want {
				t.Errorf("order = %q, want %q", got, tt.want)
			}
			// Every unit runs after the units it reads.
			for i, ds := range p.UnitDeps {
				for _, j := range ds {
					if j >= i {
						t.Errorf("unit %d (%v) depends on unit %d, which does not run before it", i, p.Units[i].Columns, j)
					}
				}
			}
		})
	}
}

func TestNewPlan_Diagnostics(t *testing.T) {
	tests := []struct {
		name     string
		give     string
		wantPath string
		wantLine int
		want     string // the whole summary
	}{
		{
			name: "unknown reference with a suggestion",
			give: `columns:
  - {name: color, column_type: sampler, sampler_type: category, params: {values: [red]}}
  - name: shade
    column_type: expression
    expr: "dark {{ colour }}"
`,
			wantPath: "columns[1].expr",
			wantLine: 5,
			want:     `column "shade" references unknown column "colour"; did you mean "color"?`,
		},
		{
			name: "unknown reference without a close name",
			give: `columns:
  - {name: color, column_type: sampler, sampler_type: category, params: {values: [red]}}
  - {name: shade, column_type: expression, expr: "{{ temperature }}"}
`,
			wantPath: "columns[1].expr",
			wantLine: 3,
			want:     `column "shade" references unknown column "temperature"`,
		},
		{
			name: "unknown reference in skip.when",
			give: `columns:
  - {name: a, column_type: expression, expr: "1", skip: {when: "{{ nope }}", value: null}}
`,
			wantPath: "columns[0].skip.when",
			wantLine: 2,
			want:     `column "a" references unknown column "nope"`,
		},
		{
			name: "trace of a column without with_trace",
			give: `columns:
  - {name: answer, column_type: llm-text, model_alias: mock-text, prompt: "hi"}
  - {name: e, column_type: expression, expr: "{{ answer__trace }}"}
`,
			wantPath: "columns[1].expr",
			wantLine: 3,
			want:     `column "e" references "answer__trace", which is not written because with_trace is none`,
		},
		{
			name: "reasoning of a column without extract_reasoning_content",
			give: `columns:
  - {name: answer, column_type: llm-text, model_alias: mock-text, prompt: "hi"}
  - {name: e, column_type: expression, expr: "{{ answer__reasoning_content }}"}
`,
			wantPath: "columns[1].expr",
			wantLine: 3,
			want:     `column "e" references "answer__reasoning_content", which is not written because extract_reasoning_content is false`,
		},
		{
			name: "two-column cycle",
			give: `columns:
  - {name: a, column_type: expression, expr: "{{ b }}"}
  - {name: b, column_type: expression, expr: "{{ a }}"}
`,
			wantPath: "columns[0]",
			wantLine: 2,
			want:     `dependency cycle: "a" → "b" → "a"`,
		},
		{
			name: "three-column cycle behind an independent column",
			give: `columns:
  - {name: free, column_type: expression, expr: "1"}
  - {name: x, column_type: expression, expr: "{{ y }}"}
  - {name: y, column_type: expression, expr: "{{ z }}"}
  - {name: z, column_type: expression, expr: "{{ x }} {{ free }}"}
`,
			wantPath: "columns[1]",
			wantLine: 3,
			want:     `dependency cycle: "x" → "y" → "z" → "x"`,
		},
		{
			name: "cycle through skip.when",
			give: `columns:
  - {name: a, column_type: expression, expr: "1", skip: {when: "{{ b }}", value: null}}
  - {name: b, column_type: expression, expr: "{{ a }}"}
`,
			wantPath: "columns[0]",
			wantLine: 2,
			want:     `dependency cycle: "a" → "b" → "a"`,
		},
		{
			name: "self-reference",
			give: `columns:
  - {name: keep, column_type: expression, expr: "1"}
  - {name: a, column_type: expression, expr: "{{ a }} again"}
`,
			wantPath: "columns[1].expr",
			wantLine: 3,
			want:     `column "a" references itself`,
		},
		{
			name: "every column dropped",
			give: `columns:
  - {name: a, column_type: expression, expr: "1", drop: true}
  - {name: b, column_type: expression, expr: "2"}
processors:
  - {name: strip, processor_type: drop_columns, column_names: ["b"]}
`,
			wantPath: "columns",
			want:     "every column is dropped: the dataset would have no columns",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, diags := tryPlan(t, tt.give, 1)
			errs := diags.Errors()
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1:\n%v", len(errs), diags)
			}
			d := errs[0]
			if d.Summary != tt.want {
				t.Errorf("summary = %q\nwant      %q", d.Summary, tt.want)
			}
			if d.Path != tt.wantPath {
				t.Errorf("path = %q, want %q", d.Path, tt.wantPath)
			}
			if tt.wantLine != 0 && (d.Pos.Line != tt.wantLine || d.Pos.File != configName) {
				t.Errorf("pos = %v, want %s:%d", d.Pos, configName, tt.wantLine)
			}
		})
	}
}

// A unit that reads one of its own columns (a joint sampler unit reading a
// sibling) is not a self-reference; a one-column unit reading itself is.
func TestNewPlan_ReferenceInsideUnit(t *testing.T) {
	_, p := mustPlan(t, `columns:
  - {name: lo, column_type: sampler, sampler_type: uniform, params: {low: 0, high: 10}}
  - {name: hi, column_type: sampler, sampler_type: uniform, params: {low: 0, high: 10}}
  - {name: gap, column_type: expression, expr: "{{ hi - lo }}", dtype: float}
constraints:
  - {target_column: lo, operator: lt, rhs: hi}
`, 1)
	if got, want := unitOrder(p), "lo+hi gap"; got != want {
		t.Errorf("order = %q, want %q", got, want)
	}
	if len(p.UnitDeps[0]) != 0 || len(p.UnitDeps[1]) != 1 || p.UnitDeps[1][0] != 0 {
		t.Errorf("UnitDeps = %v, want [[] [0]]", p.UnitDeps)
	}
}

func TestNewPlan_Written(t *testing.T) {
	_, p := mustPlan(t, `columns:
  - {name: tag_internal, column_type: expression, expr: "t"}
  - {name: answer, column_type: llm-text, model_alias: mock-text, prompt: "{{ city }}", with_trace: all_messages, extract_reasoning_content: true}
  - {name: hidden, column_type: expression, expr: "{{ answer }}", drop: true}
  - {name: n, column_type: sampler, sampler_type: uniform, params: {low: 0, high: 1}}
  - {name: critic, column_type: llm-text, model_alias: mock-text, prompt: "{{ hidden }}", with_trace: last_message, drop: true}
  - {name: pop, column_type: seed-dataset}
  - {name: note, column_type: expression, expr: "{{ n }}"}
seed_config: {source: {seed_type: local, path: cities.csv}}
processors:
  - {name: strip, processor_type: drop_columns, column_names: ["*_internal", "answer__reasoning_content"]}
`, 1)
	// Seed columns first (in seed order, not where a seed column is
	// declared), then config order, each column followed by its side
	// effects; a dropped column's side effects stay.
	want := "city pop answer answer__trace n critic__trace note"
	if got := writtenNames(p); got != want {
		t.Errorf("written = %q\nwant      %q", got, want)
	}
	// Dropped outputs still have slots and are generated.
	for _, name := range []string{"tag_internal", "hidden", "critic", "answer__reasoning_content"} {
		s, ok := p.Slot(name)
		if !ok || p.Outputs[s].Name != name {
			t.Errorf("Slot(%q) = %d, %v", name, s, ok)
		}
	}
	if _, ok := p.Slot("nope"); ok {
		t.Error(`Slot("nope") found a slot`)
	}
}

// Slots are laid out unit by unit in plan order.
func TestNewPlan_Slots(t *testing.T) {
	_, p := mustPlan(t, `columns:
  - {name: b, column_type: expression, expr: "{{ a }}"}
  - {name: a, column_type: llm-text, model_alias: mock-text, prompt: "hi", with_trace: all_messages}
  - {name: c, column_type: expression, expr: "{{ a__trace }}"}
`, 1)
	if got, want := unitOrder(p), "a b c"; got != want {
		t.Fatalf("order = %q, want %q", got, want)
	}
	var outs []string
	for _, o := range p.Outputs {
		outs = append(outs, o.Name)
	}
	if got, want := strings.Join(outs, " "), "a a__trace b c"; got != want {
		t.Errorf("outputs = %q, want %q", got, want)
	}
	if got, want := p.UnitSlots, []int{0, 2, 3}; !equalInts(got, want) {
		t.Errorf("UnitSlots = %v, want %v", got, want)
	}
	if p.Outputs[1].Column != "a" {
		t.Errorf("a__trace belongs to %q, want a", p.Outputs[1].Column)
	}
	if got := p.UnitDeps; len(got[1]) != 1 || got[1][0] != 0 || len(got[2]) != 1 || got[2][0] != 0 {
		t.Errorf("UnitDeps = %v, want [[] [0] [0]]", got)
	}
	if got, want := writtenNames(p), "b a a__trace c"; got != want {
		t.Errorf("written = %q, want %q", got, want)
	}
}

func TestMatchAny(t *testing.T) {
	tests := []struct {
		globs []string
		name  string
		want  bool
	}{
		{[]string{"*__trace"}, "answer__trace", true},
		{[]string{"*__trace"}, "answer", false},
		{[]string{"*_internal"}, "x_internal", true},
		{[]string{"*_internal"}, "x_internal_not", false},
		{[]string{"id"}, "id", true},
		{[]string{"id"}, "ids", false},
		{[]string{"a?"}, "ab", true},
		{[]string{"[bad"}, "[bad", true}, // a malformed pattern still matches its own name
		{nil, "a", false},
	}
	for _, tt := range tests {
		if got := matchAny(tt.globs, tt.name); got != tt.want {
			t.Errorf("matchAny(%q, %q) = %v, want %v", tt.globs, tt.name, got, tt.want)
		}
	}
}

const explainConfig = `columns:
  - {name: topic, column_type: sampler, sampler_type: category, params: {values: [cats, dogs]}}
  - {name: answer, column_type: llm-text, model_alias: mock-text, prompt: "About {{ topic }} in {{ city }}", with_trace: all_messages}
  - {name: length, column_type: expression, expr: "{{ answer | length }}", dtype: int, skip: {when: "{{ topic == 'dogs' }}", value: 0}}
  - {name: lo, column_type: sampler, sampler_type: uniform, params: {low: 0, high: 10}}
  - {name: hi, column_type: sampler, sampler_type: uniform, params: {low: 0, high: 10}}
  - {name: internal, column_type: expression, expr: "{{ lo }}-{{ hi }}", drop: true}
seed_config: {source: {seed_type: local, path: cities.csv}}
constraints:
  - {target_column: lo, operator: lt, rhs: hi}
`

func TestPlan_Explain(t *testing.T) {
	_, p := mustPlan(t, explainConfig, 1)
	got := p.Explain()
	golden := filepath.Join("testdata", "explain.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("Explain() differs from %s (run go test -update after checking):\n--- got\n%s--- want\n%s", golden, got, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
