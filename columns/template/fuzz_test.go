package template

import (
	"strings"
	"testing"
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
