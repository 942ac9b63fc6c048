package template

import (
	"reflect"
	"strings"
	"testing"
)

func TestRender_PercentFormat(t *testing.T) {
	runRender(t, []renderCase{
		{"{{ '%.2f' % f }}", "2.50"},
		{"{{ '%.2f' % product_info.price }}", "4.50"},
		{"{{ '%d items' % 3 }}|{{ '%d items' % i }}", "3 items|3 items"},
		{"{{ '%s-%s' % (f, 1) }}", "2.5-1"},
		{"{{ '%s-%s' % [f, 1] }}", "2.5-1"}, // lenient: Python wants a tuple
		{"{% set t = (s, i) %}{{ '%s/%d' % t }}", "hello world/3"},
		{"{{ '%s' % (i,) }}|{{ '%s' % words }}|{{ '[%s]' % null }}", `3|["a", "b", "c"]|[]`},
		{"{{ '%(name)s costs %(price).1f' % product_info }}", "Café ☕ costs 4.5"},
		{"{{ '%(a)s/%(b)03d' % {'a': s, 'b': 7} }}", "hello world/007"},
		{"{{ '%5d|%-5d|%05d|%+d|% d' % (42, 42, 42, 42, 42) }}", "   42|42   |00042|+42| 42"},
		{"{{ '%x|%X|%#x|%o|%#o|%#06x' % (255, 255, 255, 8, 8, 255) }}", "ff|FF|0xff|10|0o10|0x00ff"},
		{"{{ '%d|%i' % (3.9, -3.9) }}", "3|-3"},
		{"{{ '%f|%F|%e|%E|%g|%G' % (1.5, 1.5, 1.5, 1.5, 1.5, 1.5) }}", "1.500000|1.500000|1.500000e+00|1.500000E+00|1.5|1.5"},
		{"{{ '%g|%g|%g|%.2g|%#g' % (0.00001, 1000000, 0, 123.456, 1.5) }}", "1e-05|1e+06|0|1.2e+02|1.50000"},
		{"{{ '%10.3f|%-10.3f|%010.3f|%+.1f' % (3.14159, 3.14159, -3.14159, 2) }}", "     3.142|3.142     |-00003.142|+2.0"},
		{"{{ '%.0f|%.0f|%.2f' % (2.5, 3.5, 2.675) }}", "2|4|2.67"},
		{"{{ '%s|%5s|%-5s|%.2s' % ('abc', 'ab', 'ab', 'abcdef') }}", "abc|   ab|ab   |ab"},
		{"{{ '%r|%r|%r|%r' % (\"it's\", null, yes, words) }}", `"it's"|None|True|['a', 'b', 'c']`},
		{"{{ '%c%c' % (65, 'é') }}|{{ '%5.1f%%' % 99.456 }}", "Aé| 99.5%"},
		{"{{ '%*d|%.*f' % (4, 1, 2, 3.14159) }}", "   1|3.14"},
		{"{{ '%s' % yes }}|{{ '%d' % yes }}|{{ '%s' % 2.0 }}", "True|1|2.0"},
		{"{{ 'no conversions' % () }}", "no conversions"},
		{"{{ ('%.1f' % f) ~ '!' }}", "2.5!"},
		{"{{ '%.1f'|format(f) }}", "2.5"}, // the format filter still works
	})
}

func TestRender_Arithmetic(t *testing.T) {
	runRender(t, []renderCase{
		{"{{ -7 // 2 }}|{{ 7 // -2 }}|{{ 7 // 2 }}|{{ -8 // 2 }}", "-4|-4|3|-4"},
		{"{{ -7 % 3 }}|{{ 7 % -3 }}|{{ 7 % 3 }}|{{ -6 % 3 }}", "2|-2|1|0"},
		{"{{ -7.5 // 2 }}|{{ 7.5 % -2 }}|{{ 1 // 0.1 }}|{{ 7 // 2.0 }}", "-4.0|-0.5|9.0|3.0"},
		{"{{ 10 / 4 }}|{{ 8 / 2 }}|{{ -1 / 3 }}", "2.5|4.0|-0.3333333333333333"},
		{"{{ i // 2 }}|{{ i % 2 }}|{{ f // 1 }}|{{ yes // 1 }}|{{ yes / 2 }}", "1|1|2.0|1|0.5"},
		{"{{ (i * 10) // 4 + 1 }}", "8"},
		{"{% if i % 2 == 1 %}odd{% else %}even{% endif %}", "odd"},
		{"{% for x in range(10 // 3) %}{{ x }}{% endfor %}", "012"},
		{"{% for x in [1, 2, 3, 4] if x % 2 == 0 %}{{ x }}{% endfor %}", "24"},
		{"{% set half = i / 2 %}{{ half }}", "1.5"},
		{"{% with q = -i // 2 %}{{ q }}{% endwith %}", "-2"},
		{"{% macro m(x=7 // 2) %}{{ x }}{% endmacro %}{{ m() }}{{ m(-7 // 2) }}", "3-4"},
		{"{{ f|round(7 // 3) }}|{{ [1, 2, 3][5 // 2] }}|{{ {'k': 5 % 3}.k }}", "2.5|3|2"},
		{"{{ 'a' if 5 // 2 == 2 else 'b' }}|{{ -(7 // 2) }}|{{ not 4 % 2 == 0 }}", "a|-3|False"},
		{"{{ (7 // 2) is odd }}|{{ [7 // 2, 7 % 2]|join(',') }}", "True|3,1"},
		{"{% filter replace('x', '%d' % (5 // 2)) %}axb{% endfilter %}", "a2b"},
	})
}

func TestRender_ArithmeticErrors(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{"{{ 1 / 0 }}", "line 1: division by zero"},
		{"{{ 1 // 0 }}", "line 1: division by zero"},
		{"{{ 1 % 0 }}", "line 1: division by zero"},
		{"{{ 1.5 / 0.0 }}", "line 1: division by zero"},
		{"{{ f // 0 }}", "line 1: division by zero"},
		{"{{ f % no }}", "line 1: division by zero"},
		{"ok\n{% set x = i / (i - 3) %}", "line 2: division by zero"},
		{"{% for x in [1, 0] %}{{ 6 // x }}{% endfor %}", "division by zero"},
		{"{{ 'x' ~ (1 / 0) }}", "division by zero"},
		{"{{ s / 2 }}", "unsupported operand type(s) for /: 'string' and 'int'"},
		{"{{ null // 2 }}", "unsupported operand type(s) for //: 'none' and 'int'"},
		{"{{ 2 % words }}", "unsupported operand type(s) for %: 'int' and 'list'"},
		{"{{ '%d' % s }}", "%d format: a real number is required, not string"},
		{"{{ '%f' % null }}", "%f format: a real number is required, not none"},
		{"{{ '%x' % 1.5 }}", "%x format: an integer is required, not float"},
		{"{{ '%s %s' % (1,) }}", "not enough arguments for format string"},
		{"{{ '%s' % (1, 2) }}", "not all arguments converted during string formatting"},
		{"{{ 'abc' % 5 }}", "not all arguments converted during string formatting"},
		{"{{ '%(a)s' % 1 }}", "format requires a mapping"},
		{"{{ '%(nope)s' % product_info }}", `format key "nope" not found`},
		{"{{ '%z' % 1 }}", "unsupported format character 'z' (0x7a) at index 1"},
		{"{{ '%5%' % 1 }}", "unsupported format character '%' (0x25) at index 2"},
		{"{{ 'abc%' % 1 }}", "incomplete format"},
		{"{{ '%c' % 'ab' }}", "%c requires an int or a unicode character, not a string of length 2"},
		{"{{ '%99999d' % 1 }}", "format width or precision greater than 10000"},
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
			if strings.Contains(err.Error(), "__synthgen") || strings.Contains(err.Error(), "filtered_expression") ||
				strings.Contains(err.Error(), "internal error") {
				t.Errorf("error %q shows internals", err)
			}
		})
	}
}

func TestRefs_Arithmetic(t *testing.T) {
	tests := []struct {
		give string
		want []string
	}{
		{"{{ '%s-%s' % (a, b) }}", []string{"a", "b"}},
		{"{{ a // b }}{{ c % d }}{{ e / f }}", []string{"a", "b", "c", "d", "e", "f"}},
		{"{% set n = a // 2 %}{{ n % m }}", []string{"a", "m"}},
		{"{% for x in l if x % k %}{{ x // y }}{% endfor %}", []string{"k", "l", "y"}},
		{"{{ g(a % b).c }}{{ h[i // j] }}", []string{"a", "b", "g", "h", "i", "j"}},
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
