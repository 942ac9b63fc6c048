package parse

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/synthgen/synthgen/columns/value"
)

// FuzzDecodeTolerant: never panics; what it accepts it rewrites as valid
// JSON; strict JSON decodes exactly as value.DecodeJSON decodes it.
func FuzzDecodeTolerant(f *testing.F) {
	for _, s := range []string{
		`{"a": 1, "b": [true, null, 2.5e3]}`, `{a: 'x', b: [1,], /* c */ d: None, // e` + "\n}",
		`["\u00e9\x41", 'it\'s', +.5, 5., 0x1F, -0]`, `{'k': "\\\"", "n": {"m": []}}`, "\ufeff[1]", `[1e400]`, `"\ud800"`,
		"{\"a\": \"raw\nnewline\"}", `[[[[[]]]]]`, `{1: 2}`, `{"a": True}`, ``, `/*`, `"\`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		strict, err := StrictJSON(s)
		if err == nil {
			if !json.Valid([]byte(strict)) {
				t.Fatalf("StrictJSON(%q) = %q, not valid JSON", s, strict)
			}
			if _, err := value.DecodeJSON([]byte(strict)); err != nil {
				t.Fatalf("StrictJSON(%q) = %q, which does not decode: %v", s, strict, err)
			}
		}
		got, gotErr := DecodeTolerant(s)
		if json.Valid([]byte(s)) && utf8.ValidString(s) {
			want, wantErr := value.DecodeJSON([]byte(s))
			if wantErr == nil {
				if gotErr != nil {
					t.Fatalf("DecodeTolerant(%q) failed on strict JSON: %v", s, gotErr)
				}
				if value.CompactJSON(got) != value.CompactJSON(want) {
					t.Fatalf("DecodeTolerant(%q) = %s, want %s", s, value.CompactJSON(got), value.CompactJSON(want))
				}
			}
		}
	})
}

// FuzzFences: never panics; only the last block can be unclosed; the
// parsers built on the fence finder never panic either.
func FuzzFences(f *testing.F) {
	for _, s := range []string{
		"Here:\n```python\nprint(1)\n```\n", "```json\n{\"a\": 1}```", "````md\n```py\nx\n```\n````", "~~~\n~~~", "   ```c++\r\n  x\r\n",
		"```\n```\n```", "``` ```", "```json\n{a: 1,}\n```\ntext\n```\n[1]\n```",
	} {
		f.Add(s)
	}
	schema := mustCompile(f, factsSchema)
	f.Fuzz(func(t *testing.T, s string) {
		fs := fences(s)
		for i, fc := range fs {
			if !fc.closed && i != len(fs)-1 {
				t.Fatalf("fences(%q): block %d of %d is unclosed", s, i, len(fs))
			}
			if strings.ContainsAny(fc.tag, " \t\n") {
				t.Fatalf("fences(%q): tag %q has whitespace", s, fc.tag)
			}
			if len(fc.code) > len(s) {
				t.Fatalf("fences(%q): code longer than the reply", s)
			}
		}
		code, err := Code(s, "python")
		if err == nil && (code == "" || code != strings.TrimSpace(code)) {
			t.Fatalf("Code(%q) = %q: empty or untrimmed", s, code)
		}
		for _, bare := range []bool{false, true} {
			if v, err := Structured(s, schema, bare); err == nil && value.KindOf(v) != "object" {
				t.Fatalf("Structured(%q) = %v, not an object", s, v)
			}
		}
	})
}

// FuzzJudge: never panics, and an accepted reply gives every score as one
// of its options.
func FuzzJudge(f *testing.F) {
	for _, s := range []string{
		"```json\n{\"Accuracy\": {\"reasoning\": \"r\", \"score\": 5}, \"Tone\": {\"reasoning\": \"t\", \"score\": \" Poor\"}}\n```",
		`{"Accuracy": {"reasoning": "r", "score": "5.0"}, "Tone": {"reasoning": "t", "score": "excellent"}}`,
		"```json\n{Accuracy: {reasoning: 'r', score: True}}\n```",
	} {
		f.Add(s)
	}
	scores := yamlScores(f, rubric)
	raw, err := JudgeSchema(scores)
	if err != nil {
		f.Fatal(err)
	}
	schema, err := CompileSchema(raw)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Judge(s, schema, scores, true)
		if err != nil {
			return
		}
		m := v.(*value.Map)
		for _, sc := range scores {
			e, _ := m.Get(sc.Name)
			got, _ := e.(*value.Map).Get("score")
			ok := false
			for _, o := range sc.Options {
				ok = ok || got == o.Value
			}
			if !ok {
				t.Fatalf("Judge(%q): score %q = %#v, not an option", s, sc.Name, got)
			}
		}
	})
}
