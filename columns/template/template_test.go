package template

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/synthgen/synthgen/columns/value"
)

// obj builds a *value.Map from alternating keys and values.
func obj(kv ...any) *value.Map {
	m := value.NewMap()
	for i := 0; i < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	return m
}

// testVars is a row of every value kind.
func testVars() map[string]any {
	return map[string]any{
		"s":     "hello world",
		"i":     int64(3),
		"f":     2.5,
		"whole": 2.0,
		"yes":   true,
		"no":    false,
		"null":  nil,
		"html":  "<b>&'\"</b>",
		"list":  []any{int64(1), "two", 3.5, nil, true},
		"words": []any{"a", "b", "c"},
		"product_info": obj(
			"name", "Café ☕",
			"price", 4.5,
			"tags", []any{"hot", "sweet"},
		),
		"facts": obj(
			"items", []any{obj("claim", "water boils at 100°C", "source", obj("url", "https://x.y")), "second"},
			"count", int64(2),
		),
		"grade": obj("Accuracy", obj("reasoning", "ok", "score", "5")),
		"order": obj("z", int64(1), "a", int64(2), "m", int64(3)),
	}
}

type renderCase struct {
	give string
	want string
}

func runRender(t *testing.T, tests []renderCase) {
	t.Helper()
	vars := testVars()
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			tpl, err := Parse(tt.give)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := tpl.Render(vars)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRender_Access(t *testing.T) {
	runRender(t, []renderCase{
		{"{{ product_info.name }}", "Café ☕"},
		{"{{ product_info['price'] }}", "4.5"},
		{`{{ product_info["tags"][1] }}`, "sweet"},
		{"{{ product_info.tags.0 }}", "hot"},
		{"{{ facts.items[0] }}", `{"claim": "water boils at 100°C", "source": {"url": "https://x.y"}}`},
		{"{{ facts.items[0].claim }}", "water boils at 100°C"},
		{"{{ facts['items'][0]['source']['url'] }}", "https://x.y"},
		{"{{ facts.items[0].source.url }}", "https://x.y"},
		{"{{ facts.items|length }}", "2"},
		{"{{ grade.Accuracy.score }}", "5"},
		{"{{ list[1] }}", "two"},
		{"{{ list[-1] }}", "True"},
		{"{{ list[-5] }}", "1"}, // gonja alone misses l[-len(l)]
		{"{{ list[1:3] }}", `["two", 3.5]`},
		{"[{{ product_info.missing }}]", "[]"},
		{"[{{ list[10] }}]", "[]"},
		{"[{{ null.field }}]", "[]"},
		{"[{{ null['k'][0] }}]", "[]"},
		{"[{{ undefined.a.b }}]", "[]"},
		{"{{ product_info.get('name') }}|{{ product_info.get('nope', 'dflt') }}", "Café ☕|dflt"},
		{"{{ product_info.keys()|join(',') }}", "name,price,tags"},
		{"{{ 'price' in product_info }}|{{ 'x' in product_info }}", "True|False"},
		{"{{ 'two' in list }}", "True"},
		{"{{ s.upper() }}", "HELLO WORLD"},
	})
}

func TestRender_Control(t *testing.T) {
	runRender(t, []renderCase{
		{"{% if i > 5 %}big{% elif i > 2 %}mid{% else %}small{% endif %}", "mid"},
		{"{% if null %}a{% elif no %}b{% else %}c{% endif %}", "c"},
		{"{% if yes and not no %}ok{% endif %}", "ok"},
		{"{% if product_info.tags %}tagged{% endif %}", "tagged"},
		{"{% for w in words %}{{ loop.index }}:{{ w }}{% if not loop.last %}, {% endif %}{% endfor %}", "1:a, 2:b, 3:c"},
		{"{% for k, v in order.items() %}{{ k }}={{ v }};{% endfor %}", "z=1;a=2;m=3;"},
		{"{% for k in order %}{{ k }}{% endfor %}", "zam"},
		{"{% for k, v in order|items %}{{ k }}{{ v }}{% endfor %}", "z1a2m3"},
		{"{% for v in order.values() %}{{ v }}{% endfor %}", "123"},
		{"{% for x in facts.items %}[{{ x.claim | default(x) }}]{% endfor %}", "[water boils at 100°C][second]"},
		{"{% for w in words if w != 'b' %}{{ w }}{% endfor %}", "ac"},
		{"{% for x in null %}x{% else %}empty{% endfor %}", "empty"},
		{"{% set n = i * 2 %}{{ n }}", "6"},
		{"{% set label = 'big' if i > 2 else 'small' %}{{ label }}", "big"},
		{"{% set ns = namespace(total=0) %}{% for x in [1, 2, 3] %}{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }}", "6"},
		{"{% set block %}<{{ s }}>{% endset %}{{ block }}", "<hello world>"},
		{"{% with a = i + 1 %}{{ a }}{% endwith %}", "4"},
		{"{% macro tag(x, cls='c') %}<{{ cls }}>{{ x }}{% endmacro %}{{ tag(s) }}{{ tag(1, cls='d') }}", "<c>hello world<d>1"},
		{"{% filter upper %}{{ s }}!{% endfilter %}", "HELLO WORLD!"},
		{"{{ s if yes else 'no' }}|{{ s if no else 'fallback' }}|{{ s if no }}", "hello world|fallback|"},
		{"{# comment #}{{- ' trimmed ' -}}  ", " trimmed "},
		{"a\n", "a"}, // Jinja2 drops one trailing newline
	})
}

func TestRender_Filters(t *testing.T) {
	runRender(t, []renderCase{
		{"{{ s|upper }}", "HELLO WORLD"},
		{"{{ 'MiXed'|lower }}", "mixed"},
		{"{{ \"it's a-test (of) [title]\"|title }}", "It's A-Test (Of) [Title]"},
		{"{{ 'hELLO wORLD'|title }}", "Hello World"},
		{"[{{ '  pad \n'|trim }}]", "[pad]"},
		{"[{{ 'xxpadxx'|trim('x') }}]", "[pad]"},
		{"[{{ i|trim }}]", "[3]"},
		{"{{ s|replace('world', 'there') }}", "hello there"},
		{"{{ 'aaa'|replace('a', 'b', 2) }}", "bba"},
		{"{{ s|length }}|{{ list|length }}|{{ product_info|length }}|{{ 'é☕'|length }}", "11|5|3|2"},
		{"{{ words|first }}|{{ words|last }}|{{ s|first }}", "a|c|h"},
		{"{{ facts.items|first }}", `{"claim": "water boils at 100°C", "source": {"url": "https://x.y"}}`},
		{"{{ words|join }}|{{ words|join(', ') }}|{{ list|join('-') }}", "abc|a, b, c|1-two-3.5--True"},
		{"{{ facts.items|join(attribute='claim') }}", "water boils at 100°C"},
		{"{{ undefined|default('dflt') }}|{{ null|default('n') }}|{{ s|default('x') }}", "dflt|n|hello world"},
		{"[{{ undefined|default }}]|{{ ''|default('e', true) }}|{{ ''|d('e', boolean=true) }}", "[]|e|e"},
		{"{{ product_info|tojson }}", `{"name": "Café ☕", "price": 4.5, "tags": ["hot", "sweet"]}`},
		{"{{ html|tojson }}|{{ i|tojson }}|{{ null|tojson }}|{{ yes|tojson }}", `"<b>&'\"</b>"|3|null|true`},
		{"{{ order|tojson(indent=2) }}", "{\n  \"z\": 1,\n  \"a\": 2,\n  \"m\": 3\n}"},
		{"{{ 2.5|round }}|{{ 3.5|round }}|{{ 2.675|round(2) }}|{{ 3.14159|round(3) }}", "2.0|4.0|2.67|3.142"},
		{"{{ 7|round }}|{{ 1234|round(-2) }}|{{ 2.1|round(method='ceil') }}|{{ 2.9|round(0, 'floor') }}", "7|1200|3.0|2.0"},
		{"{{ '3.7'|int }}|{{ ' 4 '|int }}|{{ 3.9|int }}|{{ -3.9|int }}|{{ 'abc'|int }}|{{ 'abc'|int(7) }}|{{ yes|int }}", "3|4|3|-3|0|7|1"},
		{"{{ '0x1A'|int(base=16) }}|{{ null|int }}|{{ i|int }}", "26|0|3"},
		{"{{ '2.5'|float }}|{{ ' 1e3 '|float }}|{{ i|float }}|{{ 'x'|float }}|{{ 'x'|float(1.5) }}|{{ no|float }}", "2.5|1000.0|3.0|0.0|1.5|0.0"},
		{"{{ f|string }}|{{ product_info|string }}", `2.5|{"name": "Café ☕", "price": 4.5, "tags": ["hot", "sweet"]}`},
		{"{{ s|upper|replace('O', '0')|lower }}", "hell0 w0rld"},
	})
}

func TestRender_Printing(t *testing.T) {
	runRender(t, []renderCase{
		{"{{ html }}", `<b>&'"</b>`}, // no HTML escaping
		{"<b>&{{ s }}", "<b>&hello world"},
		{"{{ product_info }}", `{"name": "Café ☕", "price": 4.5, "tags": ["hot", "sweet"]}`},
		{"{{ order }}", `{"z": 1, "a": 2, "m": 3}`}, // insertion order
		{"{{ list }}", `[1, "two", 3.5, null, true]`},
		{"{{ [1, 2] }}", "[1, 2]"},
		{"{{ ['a', 'b'] }}", `["a", "b"]`},
		{"{{ {'k': 'v'} }}", `{"k": "v"}`},
		{"{{ i }}|{{ f }}|{{ whole }}|{{ 1.0 }}|{{ 10 / 4 }}|{{ 0.1 + 0.2 }}", "3|2.5|2.0|1.0|2.5|0.30000000000000004"},
		{"{{ 1e16 }}|{{ 0.00001 }}|{{ 1234567.5 }}", "1e+16|1e-05|1234567.5"},
		{"{{ yes }}|{{ no }}|{{ i > 2 }}", "True|False|True"},
		{"[{{ null }}]|[{{ undefined }}]", "[]|[]"},
		{"{{ 'x' ~ i ~ product_info.tags }}", `x3["hot", "sweet"]`},
		{"{{ s ~ null ~ yes }}", "hello worldTrue"},
		{"{{ product_info|tojson == product_info|string }}", "True"},
	})
}

func TestRefs(t *testing.T) {
	tests := []struct {
		give string
		want []string
	}{
		{"plain text", []string{}},
		{"{{ a }} {{ b.c }} {{ d['k'] }} {{ e[0].f }}", []string{"a", "b", "d", "e"}},
		{"{{ b }}{{ a }}{{ b }}{{ a.x }}", []string{"a", "b"}},
		{"{{ x|default(y)|join(z) }}{{ w is divisibleby(v) }}", []string{"v", "w", "x", "y", "z"}},
		{"{{ f(a, k=b) }}{{ m.items() }}{{ -n }}{{ not o }}{{ p ~ q }}{{ [r, (s,), {t: u}] }}{{ g[h:i] }}", []string{"a", "b", "f", "g", "h", "i", "m", "n", "o", "p", "q", "r", "s", "t", "u"}},
		{"{{ a if b else c }}", []string{"a", "b", "c"}},
		{"{% for x in items %}{{ x }}{{ loop.index }}{{ y }}{% endfor %}", []string{"items", "y"}},
		{"{% for k, v in m.items() if v > lim %}{{ k }}{{ v }}{% else %}{{ k }}{% endfor %}{{ v }}", []string{"k", "lim", "m", "v"}},
		{"{% set x = a %}{{ x }}{{ y }}", []string{"a", "y"}},
		{"{{ x }}{% set x = 1 %}{{ x }}", []string{"x"}}, // x is read before it is set
		{"{% for i in l %}{% set t = i %}{% endfor %}{{ t }}", []string{"l", "t"}},
		{"{% if c %}{% set lbl = 'a' %}{% else %}{% set lbl = 'b' %}{% endif %}{{ lbl }}", []string{"c"}},
		{"{% set ns = namespace(n=0) %}{% set ns.n = ns.n + a %}{{ ns.n }}", []string{"a"}},
		{"{% set out %}{{ body }}{% endset %}{{ out }}", []string{"body"}},
		{"{% with a = b %}{{ a }}{{ c }}{% endwith %}{{ a }}", []string{"a", "b", "c"}},
		{"{% macro m(p, q=d) %}{{ p }}{{ q }}{{ r }}{{ varargs }}{% endmacro %}{{ m(s) }}", []string{"d", "r", "s"}},
		{"{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}{{ inside }}{% endcall %}", []string{"inside"}},
		{"{% filter replace(old, 'x') %}{{ body }}{% endfilter %}", []string{"body", "old"}},
		{"{{ range(n) }}{{ dict(a=1) }}{{ none }}{{ None }}{{ true }}{{ namespace() }}", []string{"n"}},
		{"{{ loop }}", []string{"loop"}}, // outside a for loop, loop is a column name
		{"{{ answer__trace }}", []string{"answer__trace"}},
		{"{% raw %}{{ not_a_ref }}{% endraw %}", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			tpl, err := Parse(tt.give)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := tpl.Refs(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Refs() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParse_Errors(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{"{{ a", "line 1, column 5: '}}' expected here"},
		{"ok\n  {{ a | }}", `line 2, column 10: filter name must be an identifier (near "}}")`},
		{"{% for x in %}{% endfor %}", `line 1, column 8: in "for" tag: `},
		{"{% if %}{% endif %}", `line 1, column 9: in "if" tag: `},
		{"{% for x in l %}no end", "expected tag else or endfor"},
		{"{% endif %}", "line 1, column 4: "},
		{"{% frobnicate %}", "'frobnicate' not found"},
		{"{{ 'open", `line 1, column 9: unterminated string (near "open")`},
		{"{{ a.b }", `line 1, column 8: unexpected delimiter "}"`},
		{"{{ (a] }}", `line 1, column 4: unbalanced parenthesis`},
		{"{{ x|uper }}", `line 1, column 6: unknown filter "uper"; did you mean "upper"?`},
		{"{{ x is nosuchtest }}", `line 1, column 9: unknown test "nosuchtest"`},
		{"{% include 'other.j2' %}", `line 1, column 12: in "include" tag: not supported`},
		{"{% extends 'base.j2' %}", `in "extends" tag: not supported`},
		{"{% import 'm.j2' as m %}", `in "import" tag: not supported`},
		{"{% for x in l recursive %}{{ loop(x) }}{% endfor %}", "recursive for loops are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			tpl, err := Parse(tt.give)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.give, tpl)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tt.want)
			}
		})
	}
}

func TestRender_Errors(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{"{{ s|round }}", `line 1: invalid call to filter 'round': round: expected a number, got string "hello world"`},
		{"ok\n{{ s.nosuch() }}", "line 2: invalid call to method 'nosuch'"},
		{"{{ range(1000000)|length }}", "range() is limited to 100000 items"},
		{"{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}", "macro m: recursion deeper than 100 calls"},
		{"{{ s|trim('a', 'b') }}", "invalid call to filter 'trim'"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			tpl, err := Parse(tt.give)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := tpl.Render(testVars())
			if err == nil {
				t.Fatalf("Render = %q, want an error", got)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "__synthgen") || strings.Contains(err.Error(), "filtered_expression") {
				t.Errorf("error %q shows internals", err)
			}
		})
	}
}

func TestRender_DoesNotModifyVars(t *testing.T) {
	tpl, err := Parse("{% set m.x = 1 %}{% set _ = l.append(9) %}{% do m.update({'y': 2}) %}{{ m }}{{ l }}")
	if err != nil {
		t.Fatal(err)
	}
	m := obj("a", int64(1))
	l := []any{int64(1)}
	_, _ = tpl.Render(map[string]any{"m": m, "l": l})
	if got := value.JSON(m); got != `{"a": 1}` {
		t.Errorf("map became %s", got)
	}
	if len(l) != 1 {
		t.Errorf("list became %v", l)
	}
}

// TestRender_Concurrent renders one template from many goroutines with shared
// vars; run with -race.
func TestRender_Concurrent(t *testing.T) {
	tpl, err := Parse(`{% for k, v in product_info.items() %}{{ k }}={{ v }};{% endfor %}{{ facts.items[0].claim|upper }}{% set n = i + 1 %}{{ n }}{{ list|join(',') }}{{ order|tojson }}{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(s) }}{{ range(3)|list }}`)
	if err != nil {
		t.Fatal(err)
	}
	vars := testVars()
	want, err := tpl.Render(vars)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				got, err := tpl.Render(vars)
				if err != nil || got != want {
					errs <- fmt.Errorf("got %q, %v", got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestTruthy(t *testing.T) {
	tests := []struct {
		give string
		want bool
	}{
		{"", false}, {"  ", false}, {"false", false}, {"False", false}, {" 0 ", false}, {"0.0", false},
		{"none", false}, {"None", false}, {"null", false}, {"\nFalse\n", false},
		{"true", true}, {"True", true}, {"1", true}, {"yes", true}, {"FALSE", true}, {"0.1", true}, {"[]", true},
	}
	for _, tt := range tests {
		if got := Truthy(tt.give); got != tt.want {
			t.Errorf("Truthy(%q) = %v, want %v", tt.give, got, tt.want)
		}
	}
}

// fakeRow is a columns.Row over a map.
type fakeRow map[string]any

func (r fakeRow) Index() int64 { return 7 }
func (r fakeRow) Get(name string) (any, bool) {
	v, ok := r[name]
	return v, ok
}

func TestRowVars(t *testing.T) {
	row := fakeRow{
		"obj":     ` {"b": 1, "a": [1, 2]}`,
		"arr":     "\n[1, \"x\"]",
		"text":    "plain",
		"broken":  "{not json",
		"trailer": `{"a": 1} and more`,
		"num":     int64(4),
		"nothing": nil,
	}
	vars := RowVars(row, []string{"obj", "arr", "text", "broken", "trailer", "num", "nothing", "absent"})
	if _, ok := vars["absent"]; ok {
		t.Error("a name the row lacks is set")
	}
	if v, ok := vars["nothing"]; !ok || v != nil {
		t.Errorf("nothing = %v, %v", v, ok)
	}
	want := map[string]string{
		"obj":     `{"b": 1, "a": [1, 2]}`,
		"arr":     `[1, "x"]`,
		"text":    `"plain"`,
		"broken":  `"{not json"`,
		"trailer": `"{\"a\": 1} and more"`,
		"num":     "4",
	}
	for name, w := range want {
		if got := value.JSON(vars[name]); got != w {
			t.Errorf("%s = %s, want %s", name, got, w)
		}
	}
	tpl, err := Parse("{{ obj.a[1] }} {{ obj }}")
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.Render(RowVars(row, tpl.Refs()))
	if err != nil || got != `2 {"b": 1, "a": [1, 2]}` {
		t.Errorf("Render = %q, %v", got, err)
	}
}

func BenchmarkRender(b *testing.B) {
	tpl, err := Parse("Write a {{ tone }} review of {{ product.name }} ({{ product.category }}) " +
		"for a customer aged {{ customer.age }} from {{ customer.city }}. Mention: {{ product.tags|join(', ') }}.")
	if err != nil {
		b.Fatal(err)
	}
	row := fakeRow{
		"tone":     "enthusiastic",
		"product":  obj("name", "Trail shoe", "category", "outdoor", "tags", []any{"light", "waterproof"}),
		"customer": obj("age", int64(34), "city", "Lyon"),
	}
	refs := tpl.Refs()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render(RowVars(row, refs)); err != nil {
			b.Fatal(err)
		}
	}
}
