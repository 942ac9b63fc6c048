package template

import (
	"strings"
	"testing"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// FuzzParse checks that Parse never panics (a panic inside gonja must come
// back as an error) and that a parsed template has sorted, unique refs.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "plain", "{{ a }}", "{{ a.b['c'][0]|default('x')|upper }}", "{% for k, v in m.items() %}{{ k }}{% endfor %}",
		"{% if a %}x{% elif b %}y{% else %}z{% endif %}", "{% set x = 1 if a else 2 %}{{ x }}",
		"{% macro m(a, b=1) %}{{ a }}{% endmacro %}{{ m(1) }}", "{% with a = 1 %}{{ a }}{% endwith %}",
		"{% filter upper %}x{% endfilter %}", "{% raw %}{{ x }}{% endraw %}", "{{ a ~ b }}", "{{ [1, (2, 3), {'a': b}] }}",
		"{{ a[1:2:3] }}", "{{ a is defined }}", "{# c #}", "{{- a -}}", "{% for %}", "{{ 'x", "{{ (a] }}", "{% endfor %}",
		"{% call m() %}{% endcall %}", "{% set x %}{% endset %}", "{{ a.0.b }}", "{{ not -a }}",
		"{{ '%s-%.2f' % (a, b) }}", "{{ a // b % c / d }}", "{{ x.y(a % b).z }}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Parse(src)
		if err != nil {
			if tpl != nil {
				t.Fatalf("Parse returned a template and an error %v", err)
			}
			return
		}
		refs := tpl.Refs()
		for i := 1; i < len(refs); i++ {
			if strings.Compare(refs[i-1], refs[i]) >= 0 {
				t.Fatalf("refs not sorted and unique: %q", refs)
			}
		}
	})
}

// FuzzPyFormat checks that printf-style formatting never panics, whatever the
// format and the arguments.
func FuzzPyFormat(f *testing.F) {
	for _, seed := range []string{"%s", "%(a)s %(b)d", "%-+ #010.3f", "%*.*g", "%c%r%x%o%e%G", "%", "%(", "%5%", "%.99999d"} {
		f.Add(seed, int64(3), 2.5, "é")
	}
	args := func(i int64, x float64, s string) []any {
		return []any{nil, i, x, s, true, []any{i, x, s}, map[string]any{"a": s, "b": i}}
	}
	f.Fuzz(func(t *testing.T, format string, i int64, x float64, s string) {
		for _, arg := range args(i, x, s) {
			for _, tuple := range []bool{false, true} {
				_, _ = pyFormat(format, exec.AsValue(toGonja(arg)), tuple)
			}
		}
	})
}
