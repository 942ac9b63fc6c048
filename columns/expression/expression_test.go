package expression

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

func TestCast(t *testing.T) {
	tests := []struct {
		text, dtype string
		want        any
		wantErr     string // substring; "" means no error
	}{
		{"hello", "str", "hello", ""},
		{"  padded\n", "str", "  padded\n", ""}, // str keeps the text as rendered
		{"3", "int", int64(3), ""},
		{" 4 ", "int", int64(4), ""},
		{"3.0", "int", int64(3), ""},
		{"3.7", "int", int64(3), ""},
		{"-3.7", "int", int64(-3), ""},
		{"1e3", "int", int64(1000), ""},
		{"9007199254740993", "int", int64(9007199254740993), ""}, // exact, not through float
		{"abc", "int", nil, `cannot cast "abc" to int: not a number`},
		{"1e30", "int", nil, `cannot cast "1e30" to int: out of the int64 range`},
		{"nan", "int", nil, "out of the int64 range"},
		{"0x10", "int", nil, "not a number"},
		{"2.5", "float", 2.5, ""},
		{" 7 ", "float", 7.0, ""},
		{"-1e-3", "float", -0.001, ""},
		{"1,5", "float", nil, `cannot cast "1,5" to float: not a number`},
		{"true", "bool", true, ""},
		{"False", "bool", false, ""},
		{" TRUE ", "bool", true, ""},
		{"1", "bool", true, ""},
		{"0", "bool", false, ""},
		{"1.0", "bool", true, ""},
		{"0.0", "bool", false, ""},
		{"2", "bool", nil, `cannot cast "2" to bool: a number other than 1 or 0`},
		{"yes", "bool", nil, `cannot cast "yes" to bool: expected true, false, 1 or 0`},
		{"", "str", nil, "rendered empty"},
		{" \n\t", "str", nil, "rendered empty"},
		{"", "int", nil, "rendered empty"},
		{"  ", "float", nil, "rendered empty"},
		{"", "bool", nil, "rendered empty"},
		{strings.Repeat("x", 200), "int", nil, `"… to int: not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.dtype+"/"+tt.text, func(t *testing.T) {
			got, err := Cast(tt.text, tt.dtype)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Cast = %v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Cast: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Cast = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestCast_ErrorsAreMatchable(t *testing.T) {
	if _, err := Cast(" ", "int"); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v is not ErrEmpty", err)
	}
	var ce *CastError
	if _, err := Cast("abc", "float"); !errors.As(err, &ce) || ce.Text != "abc" || ce.Dtype != "float" {
		t.Errorf("abc: %v is not a *CastError", err)
	}
}

// fakeRow is a columns.Row over a map.
type fakeRow struct {
	index int64
	vals  map[string]any
}

func (r fakeRow) Index() int64 { return r.index }
func (r fakeRow) Get(name string) (any, bool) {
	v, ok := r.vals[name]
	return v, ok
}

func exprColumn(name, expr, dtype string) *config.ExpressionColumn {
	c := &config.ExpressionColumn{Expr: expr, Dtype: dtype}
	c.Name = name
	c.ColumnType = config.KindExpression
	c.Meta = config.Meta{
		Pos:  config.Pos{File: "cfg.yaml", Line: 10, Col: 5},
		Path: "columns[2]",
		Keys: map[string]config.Pos{"expr": {File: "cfg.yaml", Line: 12, Col: 11}, "dtype": {File: "cfg.yaml", Line: 13, Col: 12}},
	}
	return c
}

func buildOne(t *testing.T, c *config.ExpressionColumn) *columns.Unit {
	t.Helper()
	units, diags := Spec().Build(&columns.BuildContext{}, []config.Column{c})
	if diags.HasErrors() {
		t.Fatalf("Build: %v", diags)
	}
	if len(units) != 1 {
		t.Fatalf("Build made %d units", len(units))
	}
	return units[0]
}

func TestBuild(t *testing.T) {
	c := exprColumn("total", "{{ price * qty }} {% for t in tags %}{{ t }}{% endfor %}{{ price }}", "float")
	c.Drop = true
	off := false
	c.PropagateSkip = &off
	u := buildOne(t, c)

	if u.Kind != config.KindExpression || !reflect.DeepEqual(u.Columns, []string{"total"}) {
		t.Errorf("Kind %q, Columns %q", u.Kind, u.Columns)
	}
	wantOut := []columns.Output{{Name: "total", Type: value.Float, Column: "total", Drop: true}}
	if !reflect.DeepEqual(u.Outputs, wantOut) {
		t.Errorf("Outputs = %+v, want %+v", u.Outputs, wantOut)
	}
	exprPos := config.Pos{File: "cfg.yaml", Line: 12, Col: 11}
	wantDeps := []columns.Dep{
		{Name: "price", Pos: exprPos, Path: "columns[2].expr"},
		{Name: "qty", Pos: exprPos, Path: "columns[2].expr"},
		{Name: "tags", Pos: exprPos, Path: "columns[2].expr"},
	}
	if !reflect.DeepEqual(u.Deps, wantDeps) {
		t.Errorf("Deps = %+v, want %+v", u.Deps, wantDeps)
	}
	if u.PropagateSkip || u.Skip != nil || u.Gen == nil {
		t.Errorf("PropagateSkip %v, Skip %v, Gen %v", u.PropagateSkip, u.Skip, u.Gen)
	}
	if u.Pos != c.Meta.Pos || u.Path != "columns[2]" {
		t.Errorf("Pos %v, Path %q", u.Pos, u.Path)
	}
}

func TestBuild_Dtypes(t *testing.T) {
	for dtype, want := range map[string]value.Type{"": value.String, "str": value.String, "int": value.Int, "float": value.Float, "bool": value.Bool} {
		u := buildOne(t, exprColumn("x", "{{ a }}", dtype))
		if got := u.Outputs[0].Type; !got.Equal(want) {
			t.Errorf("dtype %q: type %v, want %v", dtype, got, want)
		}
		if !u.PropagateSkip {
			t.Errorf("dtype %q: PropagateSkip defaults to false", dtype)
		}
	}
}

func TestBuild_Diagnostics(t *testing.T) {
	tests := []struct {
		col      *config.ExpressionColumn
		wantPos  config.Pos
		wantPath string
		want     string
	}{
		{
			exprColumn("bad", "{{ a |", "str"),
			config.Pos{File: "cfg.yaml", Line: 12, Col: 11}, "columns[2].expr",
			`expr of column "bad": invalid template: line 1, column`,
		},
		{
			exprColumn("typo", "{{ a|uper }}", "str"),
			config.Pos{File: "cfg.yaml", Line: 12, Col: 11}, "columns[2].expr",
			`expr of column "typo": invalid template: line 1, column 6: unknown filter "uper"; did you mean "upper"?`,
		},
		{
			exprColumn("blank", "  ", "str"),
			config.Pos{File: "cfg.yaml", Line: 12, Col: 11}, "columns[2].expr",
			`expr of column "blank" is empty`,
		},
		{
			exprColumn("odd", "{{ a }}", "decimal"),
			config.Pos{File: "cfg.yaml", Line: 13, Col: 12}, "columns[2].dtype",
			`dtype of column "odd" must be one of str, int, float, bool, got "decimal"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.col.Name, func(t *testing.T) {
			units, diags := Spec().Build(&columns.BuildContext{}, []config.Column{tt.col})
			if len(units) != 0 || len(diags) != 1 {
				t.Fatalf("units %d, diags %v", len(units), diags)
			}
			d := diags[0]
			if d.Severity != config.Error || d.Pos != tt.wantPos || d.Path != tt.wantPath || !strings.HasPrefix(d.Summary, tt.want) {
				t.Errorf("got %v (%q)\nwant %v %s: %s", d, d.Summary, tt.wantPos, tt.wantPath, tt.want)
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	product := value.NewMap()
	product.Set("name", "Trail shoe")
	product.Set("price", 120.5)
	product.Set("sizes", []any{int64(40), int64(42)})
	vals := map[string]any{
		"product": product,
		"qty":     int64(3),
		"flag":    true,
		"seed":    `{"b": 2, "a": [1, 2]}`, // a JSON string from a seed file
		"blank":   nil,
	}
	tests := []struct {
		expr, dtype string
		want        any
		wantErr     string
	}{
		{"{{ product.name }} ({{ product['sizes'][1] }})", "str", "Trail shoe (42)", ""},
		{"{{ product }}", "str", `{"name": "Trail shoe", "price": 120.5, "sizes": [40, 42]}`, ""},
		{"{{ product.price * qty }}", "float", 361.5, ""},
		{"{{ product.price }}", "int", int64(120), ""},
		{"{{ product.sizes|length }}", "int", int64(2), ""},
		{"{{ qty > 2 }}", "bool", true, ""},
		{"{{ flag }}", "bool", true, ""},
		{"{{ seed.a[1] + seed.b }}", "int", int64(4), ""},
		{"{% if qty > 5 %}many{% endif %}", "str", nil, `column "label" row 7: rendered empty`},
		{"{{ blank }}", "int", nil, "rendered empty"},
		{"{{ product.name }}", "int", nil, `column "label" row 7: cannot cast "Trail shoe" to int: not a number`},
		{"{{ product.name|round }}", "str", nil, `column "label" row 7: rendering expr: line 1: invalid call to filter 'round'`},
	}
	row := fakeRow{index: 7, vals: vals}
	for _, tt := range tests {
		t.Run(tt.dtype+"/"+tt.expr, func(t *testing.T) {
			u := buildOne(t, exprColumn("label", tt.expr, tt.dtype))
			out := make([]any, 1)
			err := u.Gen.Generate(context.Background(), row, out)
			if tt.wantErr != "" {
				var ce *columns.CellError
				if !errors.As(err, &ce) || ce.Row != 7 || ce.Column != "label" || ce.Kind != Kind {
					t.Fatalf("err = %#v, want a *columns.CellError for row 7, column label, kind %q", err, Kind)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err %q does not contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if !reflect.DeepEqual(out[0], tt.want) {
				t.Errorf("out = %#v, want %#v", out[0], tt.want)
			}
		})
	}
}
