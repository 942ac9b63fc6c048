package mock

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestChatCompletions(t *testing.T) {
	_, url := newTestServer(t, Options{Seed: 7})
	tests := []struct {
		name  string
		give  map[string]any
		check func(t *testing.T, c completion)
	}{{
		name: "text mentions the prompt",
		give: user("mock-text", "Describe the benefits of solar panels for rural farmers."),
		check: func(t *testing.T, c completion) {
			got := c.content()
			if !regexp.MustCompile(`(benefits|solar|panels|rural|farmers)`).MatchString(got) || strings.Contains(got, "```") {
				t.Errorf("content %q mentions no word of the prompt, or has a fence", got)
			}
			if c.Choices[0].FinishReason != "stop" || c.Choices[0].Message.ReasoningContent != "" {
				t.Errorf("finish %q, reasoning %q", c.Choices[0].FinishReason, c.Choices[0].Message.ReasoningContent)
			}
			if c.Usage.PromptTokens == 0 || c.Usage.CompletionTokens != (len(got)+3)/4 ||
				c.Usage.TotalTokens != c.Usage.PromptTokens+c.Usage.CompletionTokens || c.Usage.CompletionTokensDetails != nil {
				t.Errorf("usage %+v for %d chars", c.Usage, len(got))
			}
			if c.Model != "mock-text" || !strings.HasPrefix(c.ID, "chatcmpl-") {
				t.Errorf("model %q id %q", c.Model, c.ID)
			}
		},
	}, {
		name: "content as a list of blocks",
		give: map[string]any{"model": "m", "messages": []any{
			map[string]any{"role": "system", "content": []any{map[string]any{"type": "text", "text": "Be brief."}}},
			map[string]any{"role": "user", "content": []any{
				map[string]any{"type": "image_url", "image_url": map[string]any{"url": "data:image/png;base64,AAAA"}},
				map[string]any{"type": "text", "text": "Summarize volcanoes."},
			}},
		}},
		check: func(t *testing.T, c completion) {
			if !strings.Contains(c.content(), "volcanoes") {
				t.Errorf("content %q", c.content())
			}
		},
	}, {
		name: "python code block",
		give: user("m", "Write a function that parses invoices.\n\nReturn exactly one fenced code block in python (```python ... ```)."),
		check: func(t *testing.T, c completion) {
			if code := fenced(t, c.content(), "python"); !strings.Contains(code, "def ") && !strings.Contains(code, "class ") {
				t.Errorf("python block %q", code)
			}
		},
	}, {
		name: "sql named in prose",
		give: user("m", "List customers with their orders. Answer with one fenced code block of SQL."),
		check: func(t *testing.T, c completion) {
			code := fenced(t, c.content(), "sql")
			if !regexp.MustCompile(`(?s)^SELECT .+\nFROM .+;$`).MatchString(code) {
				t.Errorf("sql %q", code)
			}
		},
	}, {
		name: "fenced json for a schema in the prompt",
		give: user("m", "Extract the product.\n\nReturn exactly one ```json fenced block that matches this JSON Schema:\n"+
			`{"type": "object", "properties": {"name": {"type": "string"}, "price": {"type": "number", "minimum": 1}}, "required": ["name", "price"]}`),
		check: func(t *testing.T, c completion) {
			validate(t, `{"type": "object", "properties": {"name": {"type": "string"}, "price": {"type": "number", "minimum": 1}}, "required": ["name", "price"]}`,
				fenced(t, c.content(), "json"))
		},
	}, {
		name: "response_format gives bare JSON",
		give: map[string]any{"model": "m", "messages": []any{map[string]any{"role": "user", "content": "A city, please."}},
			"response_format": map[string]any{"type": "json_schema", "json_schema": map[string]any{"name": "city", "strict": false,
				"schema": map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}, "population": map[string]any{"type": "integer", "minimum": 1000}}, "required": []any{"city", "population"}}}}},
		check: func(t *testing.T, c completion) {
			validate(t, `{"type":"object","properties":{"city":{"type":"string"},"population":{"type":"integer","minimum":1000}},"required":["city","population"]}`, c.content())
		},
	}, {
		name: "max_tokens cuts the reply",
		give: map[string]any{"model": "m", "max_tokens": 3, "messages": []any{map[string]any{"role": "user", "content": "Tell me about rivers."}}},
		check: func(t *testing.T, c completion) {
			if c.Choices[0].FinishReason != "length" || len(c.content()) > 12 {
				t.Errorf("finish %q content %q", c.Choices[0].FinishReason, c.content())
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, chat(t, url, tt.give).completion(t))
		})
	}
}

func TestBadRequests(t *testing.T) {
	_, url := newTestServer(t, Options{})
	tests := []struct {
		name string
		give any
		want string
	}{
		{"unknown mock key", map[string]any{"model": "m", "messages": []any{map[string]any{"role": "user", "content": "hi"}},
			"mock": map[string]any{"tool_turn": 2}}, `unknown mock option "tool_turn" (did you mean "tool_turns"?)`},
		{"bad mock value", map[string]any{"model": "m", "messages": []any{map[string]any{"role": "user", "content": "hi"}},
			"mock": map[string]any{"fail_rate": map[string]any{"429": 2}}}, "mock option fail_rate"},
		{"no model", map[string]any{"messages": []any{map[string]any{"role": "user", "content": "hi"}}}, "model"},
		{"no messages", map[string]any{"model": "m"}, "messages"},
		{"not JSON", "nope", "not a valid chat-completion request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := chat(t, url, tt.give)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			if e := r.apiError(t); !strings.Contains(e.Error.Message, tt.want) || e.Error.Type != "invalid_request_error" {
				t.Errorf("error %+v, want it to contain %q", e.Error, tt.want)
			}
		})
	}
	if r := get(t, strings.TrimSuffix(url, "/v1")+"/v2/nothing"); r.status != http.StatusNotFound {
		t.Errorf("unknown path: %d", r.status)
	}
	if r := get(t, url+"/chat/completions"); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET chat: %d", r.status)
	}
}

func TestDeterministic(t *testing.T) {
	prompts := []map[string]any{
		user("m", "Write about lighthouses and storms."),
		user("m", "Return exactly one fenced code block in python."),
		user("m", "Return one ```json block matching {\"type\":\"object\",\"properties\":{\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"n\":{\"type\":\"integer\"}}}"),
	}
	answers := func(seed int64) []string {
		_, url := newTestServer(t, Options{Seed: seed})
		var out []string
		for _, p := range prompts {
			c := chat(t, url, p).completion(t)
			out = append(out, c.content())
		}
		return out
	}
	a, b := answers(1), answers(1)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different answers:\n%q\n%q", a, b)
	}
	differ := false
	for seed := int64(2); seed < 6 && !differ; seed++ {
		differ = !reflect.DeepEqual(a, answers(seed))
	}
	if !differ {
		t.Errorf("the seed changes nothing")
	}
	// The key ignores JSON formatting and key order.
	_, url := newTestServer(t, Options{Seed: 1})
	raw := `{"messages":[{"content":"Write about lighthouses and storms.","role":"user"}],  "model":"m"}`
	r, err := http.Post(url+"/chat/completions", "application/json", strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var c completion
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil || c.content() != a[0] {
		t.Errorf("reformatted request: %q, want %q (%v)", c.content(), a[0], err)
	}
}

// Every language's block is valid code: Python by py_compile (required),
// Go by go/parser, others by their compiler when it is installed.
func TestCodeBlocks(t *testing.T) {
	_, url := newTestServer(t, Options{})
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is not on PATH: it is needed to check that Python blocks compile (CI has it)")
	}
	prompts := []string{
		"Write code that deduplicates customer records by email.",
		"Write a helper for the weather station's hourly readings.",
		"Ünïcode prompt with émojis 🎉 and quotes \"x\" and back\\slashes.",
		"",
	}
	langs := map[string]string{
		"python": "py", "sql": "sql", "javascript": "js", "typescript": "ts", "go": "go", "java": "java", "kotlin": "kt",
		"rust": "rs", "ruby": "rb", "scala": "scala", "swift": "swift", "bash": "sh", "c": "c", "cpp": "cpp", "csharp": "cs",
	}
	dir := t.TempDir()
	for tag, ext := range langs {
		for i, p := range prompts {
			for seed := range 3 {
				body := user("m", p+"\n\nReturn exactly one fenced code block in "+tag+" (```"+tag+" ... ```).")
				body["mock"] = map[string]any{"seed": seed}
				if i == 2 { // after a tool turn, the block quotes the results in a comment
					body["messages"] = append(body["messages"].([]any),
						map[string]any{"role": "assistant", "content": "", "tool_calls": []any{map[string]any{"id": "call_1", "type": "function", "function": map[string]any{"name": "f", "arguments": "{}"}}}},
						map[string]any{"role": "tool", "tool_call_id": "call_1", "content": "line one\nline two \\u000a */ ''' \\"},
					)
				}
				code := fenced(t, chat(t, url, body).completion(t).content(), tag)
				file := filepath.Join(dir, "Main"+string(rune('a'+i))+string(rune('0'+seed))+"."+ext)
				if err := os.WriteFile(file, []byte(code+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				var cmd *exec.Cmd
				switch tag {
				case "python":
					cmd = exec.Command(python, "-m", "py_compile", file)
				case "go":
					if _, err := parser.ParseFile(token.NewFileSet(), file, nil, 0); err != nil {
						t.Errorf("go block does not parse: %v\n%s", err, code)
					}
				case "sql":
					if !regexp.MustCompile(`(?s)^(--[^\n]*\n)*SELECT .+\sFROM .+;$`).MatchString(code) {
						t.Errorf("not a plausible SELECT:\n%s", code)
					}
				case "javascript":
					cmd = optional("node", "--check", file)
				case "bash":
					cmd = optional("bash", "-n", file)
				case "c":
					cmd = optional("gcc", "-fsyntax-only", "-x", "c", file)
				case "cpp":
					cmd = optional("g++", "-fsyntax-only", "-x", "c++", file)
				case "rust":
					if i == 0 { // slow: one prompt is enough
						cmd = optional("rustc", "--edition", "2021", "--emit=metadata", "--out-dir", t.TempDir(), file)
					}
				case "java":
					if m := regexp.MustCompile(`public class (\w+)`).FindStringSubmatch(code); m != nil && i == 0 {
						jfile := filepath.Join(t.TempDir(), m[1]+".java")
						if err := os.WriteFile(jfile, []byte(code), 0o644); err != nil {
							t.Fatal(err)
						}
						cmd = optional("javac", "-d", t.TempDir(), jfile)
					}
				}
				if cmd != nil {
					if out, err := cmd.CombinedOutput(); err != nil {
						t.Errorf("%s block does not compile: %v\n%s\n%s", tag, err, out, code)
					}
				}
			}
		}
	}
}

// optional returns the command when its program is installed, else nil.
func optional(name string, args ...string) *exec.Cmd {
	if _, err := exec.LookPath(name); err != nil {
		return nil
	}
	return exec.Command(name, args...)
}

func TestLanguageDetection(t *testing.T) {
	tests := []struct {
		give, wantTag, wantLang string
	}{
		{"Return exactly one fenced code block in python (```python ... ```).", "python", "python"},
		{"Use ```sql:postgres for the answer.", "sql", "sql"},
		{"Example output: ```json {} ``` — now return one ```py block", "py", "python"},
		{"Put your answer in a fenced code block, written in Go.", "go", "go"},
		{"One code block of PostgreSQL please", "sql", "sql"},
		{"A code block in JavaScript; not Java.", "java", "java"}, // the last name mentioned wins
		{"Tell me a story about a python in the jungle.", "", ""},
		{"Let's go to the code block store", "", ""},
	}
	for _, tt := range tests {
		tag, lang := requestedFence(tt.give)
		if lang == "" {
			tag, lang = proseLanguage(tt.give)
		}
		if tag != tt.wantTag || lang != tt.wantLang {
			t.Errorf("%q: got (%q, %q), want (%q, %q)", tt.give, tag, lang, tt.wantTag, tt.wantLang)
		}
	}
}

const nestedSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "customer": {"$ref": "#/$defs/person"},
    "status": {"type": "string", "enum": ["new", "shipped", "delivered"]},
    "priority": {"type": "integer", "minimum": 1, "maximum": 3},
    "discount": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5},
    "quantity": {"type": "integer", "minimum": 10, "multipleOf": 5},
    "weight_kg": {"type": "number", "multipleOf": 0.1, "minimum": 1, "maximum": 2},
    "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
    "summary": {"type": "string", "minLength": 40, "maxLength": 60},
    "nickname": {"type": "string", "maxLength": 3},
    "email": {"type": "string", "format": "email"},
    "created": {"type": "string", "format": "date-time"},
    "gift": {"type": "boolean"},
    "note": {"type": ["string", "null"]},
    "lines": {
      "type": "array", "minItems": 2, "maxItems": 4,
      "items": {
        "type": "object",
        "properties": {
          "sku": {"type": "string", "minLength": 3},
          "qty": {"type": "integer", "minimum": 1, "maximum": 9},
          "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}, "uniqueItems": true, "maxItems": 2}
        },
        "required": ["sku", "qty"],
        "additionalProperties": false
      }
    },
    "shipping": {"allOf": [{"$ref": "#/$defs/address"}, {"properties": {"express": {"type": "boolean"}}, "required": ["express"]}]},
    "contact": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/person"}]}
  },
  "required": ["customer", "status", "priority", "discount", "quantity", "lines", "shipping", "code", "summary", "extra"],
  "$defs": {
    "person": {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 18, "maximum": 120}}, "required": ["name", "age"]},
    "address": {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}}, "required": ["city", "zip"]}
  }
}`

func TestStructuredValidates(t *testing.T) {
	_, url := newTestServer(t, Options{})
	for seed := range 25 {
		body := user("m", "Create an order for a bakery supply company.\n\nReturn exactly one ```json fenced block that matches this JSON Schema:\n"+nestedSchema)
		body["mock"] = map[string]any{"seed": seed}
		c := chat(t, url, body).completion(t)
		got := fenced(t, c.content(), "json")
		validate(t, nestedSchema, got)
		var v map[string]any
		if err := json.Unmarshal([]byte(got), &v); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"customer", "status", "lines", "shipping", "summary", "gift"} {
			if _, ok := v[k]; !ok {
				t.Errorf("seed %d: property %q missing: %s", seed, k, got)
			}
		}
		// Property order follows the schema.
		if strings.Index(got, `"customer"`) > strings.Index(got, `"status"`) || strings.Index(got, `"lines"`) > strings.Index(got, `"shipping"`) {
			t.Errorf("properties out of schema order: %s", got)
		}
	}
}

func TestJudgeSchema(t *testing.T) {
	judge := `{"type": "object", "properties": {
	  "Accuracy": {"type": "object", "properties": {"reasoning": {"type": "string"}, "score": {"enum": ["1", "2", "3", "4", "5"]}}, "required": ["reasoning", "score"]},
	  "Helpfulness": {"type": "object", "properties": {"reasoning": {"type": "string"}, "score": {"enum": [0, 1]}}, "required": ["reasoning", "score"]}
	}, "required": ["Accuracy", "Helpfulness"]}`
	prompt := "Grade this answer about photosynthesis: \"Plants eat sunlight.\"\n\n" +
		"Return exactly one ```json fenced block that matches the schema below.\n\n" + judge
	_, url := newTestServer(t, Options{})
	for seed := range 10 {
		body := user("mock-reasoning", prompt)
		body["mock"] = map[string]any{"seed": seed}
		c := chat(t, url, body).completion(t)
		got := fenced(t, c.content(), "json")
		validate(t, judge, got)
		if !strings.Contains(got, `"reasoning": "This reasoning`) {
			t.Errorf("reasoning strings are not derived from the property name: %s", got)
		}
		if c.Choices[0].Message.ReasoningContent == "" {
			t.Errorf("a reasoning model without reasoning_content")
		}
	}
}

func TestFindSchema(t *testing.T) {
	tests := []struct {
		give string
		want string // a property of the schema found, "" for none
	}{
		{`Product: {"type": "laptop", "price": 999}. Schema: {"type": "object", "properties": {"x": {}}}`, "x"},
		{`Use {{ braces }} freely {"properties": {"y": {"type": "string"}}}`, "y"},
		{`A string with a brace "{" then {"type":"object","properties":{"z":{"type":"string","description":"a } brace"}}}`, "z"},
		{`no schema {"a": 1}`, ""},
	}
	for _, tt := range tests {
		s, _, _ := findSchema(tt.give)
		got := ""
		if s != nil {
			got = strings.Join(s.obj("properties").keys, ",")
		}
		if got != tt.want {
			t.Errorf("%s: found %q, want %q", tt.give, got, tt.want)
		}
	}
}
