package parse

import (
	"strings"
	"testing"

	"github.com/synthgen/synthgen/columns/value"
)

func TestDecodeTolerant(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string // value.JSON of the result
	}{
		{"strict JSON", `{"b": 1, "a": [2.5, "x", null, true]}`, `{"b": 1, "a": [2.5, "x", null, true]}`},
		{"unquoted keys", `{name: "Ada", age_years: 36, $id: 1, kebab-key: 2}`, `{"name": "Ada", "age_years": 36, "$id": 1, "kebab-key": 2}`},
		{"single quotes", `{'a': 'it\'s "quoted"'}`, `{"a": "it's \"quoted\""}`},
		{"trailing commas", `{"a": [1, 2, ], "b": {"c": 3,},}`, `{"a": [1, 2], "b": {"c": 3}}`},
		{"comments", "{\n  // the name\n  \"a\": 1, /* inline */ \"b\": 2 // end\n}", `{"a": 1, "b": 2}`},
		{"python literals", `{"t": True, "f": False, "n": None}`, `{"t": true, "f": false, "n": null}`},
		{"raw newline and tab in a string", "{\"a\": \"x\ny\tz\"}", `{"a": "x\ny\tz"}`},
		{"escapes", `["\u00e9\x41\/\n", 'a\
b']`, `["éA/\n", "ab"]`},
		{"numbers", `[+1, .5, 5., -0.25e2, 0x1F, 007, 1E3]`, `[1, 0.5, 5.0, -25.0, 31, 7, 1000.0]`},
		{"numeric key", `{1: "one"}`, `{"1": "one"}`},
		{"key order kept", `{z: 1, a: 2, m: 3}`, `{"z": 1, "a": 2, "m": 3}`},
		{"byte order mark and nbsp", "\ufeff{\u00a0\"a\": 1}", `{"a": 1}`},
		{"scalar", ` "x" `, `"x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := DecodeTolerant(tt.give)
			if err != nil {
				t.Fatalf("DecodeTolerant(%q): %v", tt.give, err)
			}
			if got := value.JSON(v); got != tt.want {
				t.Errorf("DecodeTolerant(%q) = %s, want %s", tt.give, got, tt.want)
			}
		})
	}
}

func TestDecodeTolerantTypes(t *testing.T) {
	v, err := DecodeTolerant(`[1, 1.0, 12345678901234567890]`)
	if err != nil {
		t.Fatal(err)
	}
	list := v.([]any)
	if _, ok := list[0].(int64); !ok {
		t.Errorf("1 decoded as %T, want int64", list[0])
	}
	if _, ok := list[1].(float64); !ok {
		t.Errorf("1.0 decoded as %T, want float64", list[1])
	}
	if _, ok := list[2].(float64); !ok {
		t.Errorf("a number beyond int64 decoded as %T, want float64", list[2])
	}
}

func TestDecodeTolerantErrors(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{"", "no JSON value found"},
		{"  // only a comment", "no JSON value found"},
		{`{"a": 1 "b": 2}`, `line 1, column 9: expected ',' or '}' after the value of property "a", found '"'`},
		{"{\n  \"a\": 1,\n  \"b\" 2\n}", `line 3, column 7: expected ':' after property name "b", found '2'`},
		{`[1 2]`, `line 1, column 4: expected ',' or ']' after an array element, found '2'`},
		{`{"a": [1, 2}`, `line 1, column 12: expected ',' or ']' after an array element, found '}'`},
		{`{"a": 1`, `line 1, column 1: the object opened here is never closed`},
		{`["abc`, `line 1, column 2: the string opened here is never closed`},
		{`{"a": yes}`, `line 1, column 7: unquoted text "yes" is not a value; put strings in double quotes`},
		{`[NaN]`, `line 1, column 2: NaN is not a JSON number`},
		{`[-Infinity]`, `line 1, column 2: -Infinity is not a JSON number`},
		{`[1.2.3]`, `line 1, column 2: invalid number "1.2.3"`},
		{`[12abc]`, `line 1, column 2: invalid number "12abc"`},
		{`[1e]`, `line 1, column 2: invalid number "1e"`},
		{`[1e400]`, `line 1, column 2: the number 1e400 is out of range`},
		{`{"a": 1} trailing`, `line 1, column 10: unexpected text after the JSON value: 't'`},
		{`/* open`, `line 1, column 1: unterminated /* comment`},
		{`["\u12"]`, `line 1, column 3: \u must be followed by four hex digits`},
		{`[,1]`, `line 1, column 2: expected a value, found ','`},
		{`{,}`, `line 1, column 2: expected a property name or '}', found ','`},
		{`{"é": ü}`, `line 1, column 7: unquoted text "ü" is not a value; put strings in double quotes`},
		{strings.Repeat("[", maxDepth+1), `line 1, column 513: the JSON is nested deeper than 512 levels`},
	}
	for _, tt := range tests {
		_, err := DecodeTolerant(tt.give)
		if err == nil {
			t.Errorf("DecodeTolerant(%q) succeeded, want error %q", tt.give, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("DecodeTolerant(%q) error\n got %s\nwant %s", tt.give, err, tt.want)
		}
	}
}

func TestStrictJSON(t *testing.T) {
	got, err := StrictJSON(`{a: 'x', b: [1,], /* c */ d: None}`)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":"x","b":[1],"d":null}`; got != want {
		t.Errorf("StrictJSON = %s, want %s", got, want)
	}
}
