package processor

import (
	"strings"
	"testing"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// fakeRow is a columns.Row over a map.
type fakeRow struct {
	idx  int64
	vals map[string]any
}

func (r fakeRow) Index() int64 { return r.idx }

func (r fakeRow) Get(name string) (any, bool) { v, ok := r.vals[name]; return v, ok }

// outputs are the plan outputs the tests build against: a string, an int, a
// list, a struct, a dropped column and a side-effect column.
var outputs = []columns.Output{
	{Name: "question", Type: value.String, Column: "question"},
	{Name: "n", Type: value.Int, Column: "n"},
	{Name: "tags", Type: value.List(value.String), Column: "tags"},
	{Name: "person", Type: value.Struct(value.Field{Name: "name", Type: value.String}, value.Field{Name: "age", Type: value.Int}), Column: "person"},
	{Name: "hidden", Type: value.String, Column: "hidden", Drop: true},
	{Name: "answer__trace", Type: value.List(value.JSONT), Column: "answer"},
}

func testRow() fakeRow {
	person := value.NewMap()
	person.Set("name", "Ada")
	person.Set("age", int64(36))
	return fakeRow{idx: 7, vals: map[string]any{
		"question":      "Why?",
		"n":             int64(3),
		"tags":          []any{"x", "y"},
		"person":        person,
		"hidden":        "secret",
		"answer__trace": []any{"t"},
	}}
}

// build parses a config whose processors section is procs and builds it.
func build(t *testing.T, procs string) ([]*SchemaTransform, config.Diagnostics) {
	t.Helper()
	src := "columns:\n  - {name: question, column_type: expression, expr: q}\nprocessors:\n" + procs
	doc, diags := config.Parse("p.yaml", []byte(src), config.Options{Getenv: func(string) (string, bool) { return "", false }})
	if diags.HasErrors() {
		t.Fatalf("config.Parse:\n%v", diags.Errors())
	}
	return Build(doc, outputs)
}

func mustBuild(t *testing.T, procs string) *SchemaTransform {
	t.Helper()
	ts, diags := build(t, procs)
	if diags.HasErrors() {
		t.Fatalf("Build:\n%v", diags.Errors())
	}
	if len(ts) != 1 {
		t.Fatalf("%d transforms", len(ts))
	}
	return ts[0]
}

func schema(s *SchemaTransform) string {
	var parts []string
	for _, c := range s.Columns() {
		parts = append(parts, c.Name+" "+c.Type.String())
	}
	return strings.Join(parts, "; ")
}

func TestSchemaTransform(t *testing.T) {
	tests := []struct {
		name       string
		template   string // the lines under template:, indented by 6
		wantSchema string
		wantJSON   string // value.CompactJSON of the rendered row
	}{
		{
			name: "direct reference keeps the column's value and type",
			template: `      q: "{{ question }}"
      n: "{{n}}"
      tags: "{{   tags }}"
      person: "{{ person }}"
      hidden: "{{ hidden }}"
      trace: "{{ answer__trace }}"`,
			wantSchema: "q string; n int; tags list<string>; person struct{name string, age int}; hidden string; trace list<json>",
			wantJSON:   `[["Why?",3,["x","y"],{"name":"Ada","age":36},"secret",["t"]]]`,
		},
		{
			name: "anything else renders as text",
			template: `      q: "Q: {{ question }}"
      n: "{{ n + 1 }}"
      upper: "{{ question | upper }}"
      name: "{{ person.name }}"
      spaced: " {{ n }}"
      plain: hello
      none: "{{ none }}"`,
			wantSchema: "q string; n string; upper string; name string; spaced string; plain string; none string",
			wantJSON:   `[["Q: Why?","4","WHY?","Ada"," 3","hello",""]]`,
		},
		{
			name: "literals, nested mappings and lists",
			template: `      meta: {a: 1, b: true, c: 2.5, d: null, e: [1, 2.5, null], f: [], g: {}}
      when: "{{ n }}"`,
			wantSchema: "meta struct{a int, b bool, c float, d string, e list<float>, f list<string>, g struct{}}; when int",
			wantJSON:   `[[{"a":1,"b":true,"c":2.5,"d":null,"e":[1,2.5,null],"f":[],"g":{}},3]]`,
		},
		{
			name: "a list of structs merges the items' types",
			template: `      messages:
        - {role: system, content: "Be brief."}
        - {role: user, content: "{{ question }}", n: "{{ n }}"}
        - {role: assistant, content: "{{ tags }}"}
      mixed: [1, "{{ question }}"]
      nums: ["{{ n }}", 0.5]`,
			wantSchema: "messages list<struct{role string, content json, n int}>; mixed list<json>; nums list<float>",
			wantJSON:   `[[[{"role":"system","content":"Be brief."},{"role":"user","content":"Why?","n":3},{"role":"assistant","content":["x","y"]}],[1,"Why?"],[3,0.5]]]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustBuild(t, "  - name: out\n    processor_type: schema_transform\n    template:\n"+tt.template+"\n")
			if s.Name() != "out" {
				t.Errorf("Name() = %q", s.Name())
			}
			if got := schema(s); got != tt.wantSchema {
				t.Errorf("schema:\n got %s\nwant %s", got, tt.wantSchema)
			}
			rows, err := s.Rows([]columns.Row{testRow()})
			if err != nil {
				t.Fatal(err)
			}
			if got := value.CompactJSON([]any{rows[0]}); got != tt.wantJSON {
				t.Errorf("rows:\n got %s\nwant %s", got, tt.wantJSON)
			}
		})
	}
}

// A direct reference hands on the row's value itself, not a copy.
func TestSchemaTransformSharesRowValues(t *testing.T) {
	s := mustBuild(t, "  - name: out\n    template: {tags: \"{{ tags }}\"}\n")
	r := testRow()
	vals, err := s.Render(r)
	if err != nil {
		t.Fatal(err)
	}
	got, want := vals[0].([]any), r.vals["tags"].([]any)
	if &got[0] != &want[0] {
		t.Error("the list was copied")
	}
}

func TestSchemaTransformDiagnostics(t *testing.T) {
	tests := []struct {
		name  string
		procs string
		want  []string // diagnostics, as String() prints them
	}{
		{
			name: "unknown reference with position, path and suggestion",
			procs: `  - name: chat
    processor_type: schema_transform
    template:
      messages:
        - {role: system, content: hi}
        - {role: user, content: "{{ questoin }}"}
        - {role: assistant, content: "{{ n }} {{ persn.name }}"}
`,
			want: []string{
				`p.yaml:9:33: processors[0].template.messages[1].content: processor "chat" references unknown column "questoin"; did you mean "question"?`,
				`p.yaml:10:38: processors[0].template.messages[2].content: processor "chat" references unknown column "persn"; did you mean "person"?`,
			},
		},
		{
			name: "template parse error",
			procs: `  - name: chat
    template:
      text: "{{ question | uper }}"
`,
			want: []string{
				`p.yaml:6:13: processors[0].template.text: processor "chat": invalid template: line 1, column 15: unknown filter "uper"; did you mean "upper"?`,
			},
		},
		{
			name: "unsafe name, empty template and duplicate key",
			procs: `  - name: ../up
    template: {a: "{{ n }}", a: 1}
  - name: empty
    template: {}
`,
			want: []string{
				`p.yaml:4:11: processors[0].name: processor name "../up" is its output folder: use only letters, digits, _, - and . (not first)`,
				`p.yaml:5:30: processors[0].template.a: duplicate template key "a"`,
				`p.yaml:7:15: processors[1].template: template of processor "empty" has no keys: the dataset would have no columns`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, diags := build(t, tt.procs)
			var got []string
			for _, d := range diags.Sort() {
				got = append(got, d.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("diagnostics:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
			}
			if len(ts) != 0 {
				t.Errorf("built %d transforms despite errors", len(ts))
			}
		})
	}
}

// drop_columns processors are not schema transforms.
func TestBuildSkipsDropColumns(t *testing.T) {
	ts, diags := build(t, "  - {name: d, processor_type: drop_columns, column_names: [hidden]}\n")
	if len(diags) != 0 || len(ts) != 0 {
		t.Errorf("Build = %d transforms, %v", len(ts), diags)
	}
}
