package parse

import (
	"fmt"
	"sync"
	"testing"

	"github.com/synthgen/synthgen/columns/value"
)

// mustMap decodes a JSON object keeping key order.
func mustMap(t testing.TB, s string) *value.Map {
	t.Helper()
	v, err := value.DecodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
	return v.(*value.Map)
}

func mustCompile(t testing.TB, s string) *Schema {
	t.Helper()
	c, err := CompileSchema(mustMap(t, s))
	if err != nil {
		t.Fatalf("compiling %s: %v", s, err)
	}
	return c
}

func TestText(t *testing.T) {
	if got := Text("\n  Hello, world.\n\n"); got != "Hello, world." {
		t.Errorf("Text = %q", got)
	}
}

func TestCode(t *testing.T) {
	tests := []struct {
		name    string
		reply   string
		lang    string
		want    string
		wantErr string
	}{
		{"text around the fence", "Sure! Here it is:\n\n```python\ndef f():\n    return 1\n```\n\nThis defines f.", "python", "def f():\n    return 1", ""},
		{"several fences, the last wins", "```python\nold()\n```\nBetter:\n```python\nnew()\n```", "python", "new()", ""},
		{"untagged fence accepted", "```\nprint(1)\n```", "python", "print(1)", ""},
		{"alias py", "```py\nprint(1)\n```", "python", "print(1)", ""},
		{"alias case-insensitive", "```Python3\nprint(1)\n```", "python", "print(1)", ""},
		{"c++ for cpp", "```c++\nint main() {}\n```", "cpp", "int main() {}", ""},
		{"c# for csharp", "```C#\nclass A {}\n```", "csharp", "class A {}", ""},
		{"golang for go", "```golang\npackage main\n```", "go", "package main", ""},
		{"sh for bash", "```sh\necho hi\n```", "bash", "echo hi", ""},
		{"sql for a dialect", "```sql\nSELECT 1;\n```", "sql:postgres", "SELECT 1;", ""},
		{"dialect tag for a dialect", "```postgresql\nSELECT 1;\n```", "sql:postgres", "SELECT 1;", ""},
		{"unterminated fence accepted", "```javascript\nconsole.log(1)\n", "javascript", "console.log(1)", ""},
		{"code trimmed", "```ts\n\n  let x = 1\n\n```", "typescript", "let x = 1", ""},
		{"wrong language", "```javascript\nconsole.log(1)\n```", "python", "",
			"the last fenced code block is tagged \"javascript\", but Python code was asked for in a ```python block"},
		{"last block decides even when an earlier one matches", "```python\nx = 1\n```\nOutput:\n```text\n1\n```", "python", "",
			"the last fenced code block is tagged \"text\", but Python code was asked for in a ```python block"},
		{"no block", "print(1)", "python", "",
			"the reply has no fenced code block; put the Python code in one block that starts with a line ```python and ends with a line ```"},
		{"no block, sql", "SELECT 1", "sql:mysql", "",
			"the reply has no fenced code block; put the SQL (MySQL dialect) code in one block that starts with a line ```sql and ends with a line ```"},
		{"empty block", "```python\n\n```", "python", "", "the last fenced code block is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Code(tt.reply, tt.lang)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Code error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Code: %v", err)
			}
			if got != tt.want {
				t.Errorf("Code = %q, want %q", got, tt.want)
			}
		})
	}
}

const factsSchema = `{
  "type": "object",
  "properties": {
    "title": {"type": "string"},
    "facts": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["name"],
        "additionalProperties": false
      }
    },
    "rating": {"type": ["number", "null"]},
    "source": {"anyOf": [{"$ref": "#/$defs/Source"}, {"type": "null"}]}
  },
  "required": ["title", "facts"],
  "$defs": {
    "Source": {
      "type": "object",
      "properties": {"url": {"type": "string"}},
      "required": ["url"],
      "additionalProperties": false
    }
  }
}`

func TestStructured(t *testing.T) {
	schema := mustCompile(t, factsSchema)
	tests := []struct {
		name    string
		reply   string
		bare    bool
		want    string // value.JSON of the value
		wantErr string
	}{
		{"text around the fence", "Here you go:\n```json\n{\"title\": \"Moon\", \"facts\": []}\n```\nAnything else?", false,
			`{"title": "Moon", "facts": []}`, ""},
		{"several fences, the last wins", "```json\n{\"title\": \"draft\", \"facts\": []}\n```\nFixed:\n```json\n{\"title\": \"final\", \"facts\": []}\n```", false,
			`{"title": "final", "facts": []}`, ""},
		{"a later non-JSON block does not hide the JSON", "```json\n{\"title\": \"t\", \"facts\": []}\n```\n```python\nprint(1)\n```", false,
			`{"title": "t", "facts": []}`, ""},
		{"untagged fence with JSON", "```\n{\"title\": \"t\", \"facts\": []}\n```", false, `{"title": "t", "facts": []}`, ""},
		{"unquoted keys", "```json\n{title: \"t\", facts: [{name: \"a\", year: 1969}]}\n```", false,
			`{"title": "t", "facts": [{"name": "a", "year": 1969}]}`, ""},
		{"single quotes", "```json\n{'title': 'It\\'s', 'facts': []}\n```", false, `{"title": "It's", "facts": []}`, ""},
		{"trailing commas", "```json\n{\"title\": \"t\", \"facts\": [{\"name\": \"a\",},],}\n```", false,
			`{"title": "t", "facts": [{"name": "a"}]}`, ""},
		{"extra properties pruned, nested too", "```json\n{\"title\": \"t\", \"mood\": \"happy\", \"facts\": [{\"name\": \"a\", \"note\": 1}], \"source\": {\"url\": \"u\", \"by\": \"x\"}}\n```", false,
			`{"title": "t", "facts": [{"name": "a"}], "source": {"url": "u"}}`, ""},
		{"key order follows the schema", "```json\n{\"source\": null, \"rating\": 4, \"facts\": [{\"year\": 2000, \"name\": \"b\"}], \"title\": \"t\"}\n```", false,
			`{"title": "t", "facts": [{"name": "b", "year": 2000}], "rating": 4.0, "source": null}`, ""},
		{"integral float fits an integer", "```json\n{\"title\": \"t\", \"facts\": [{\"name\": \"a\", \"year\": 1969.0}]}\n```", false,
			`{"title": "t", "facts": [{"name": "a", "year": 1969}]}`, ""},
		{"bare JSON accepted with bare", `{"title": "t", "facts": []}`, true, `{"title": "t", "facts": []}`, ""},
		{"fenced JSON accepted with bare", "```json\n{\"title\": \"t\", \"facts\": []}\n```", true, `{"title": "t", "facts": []}`, ""},
		{"bare JSON rejected without bare", `{"title": "t", "facts": []}`, false, "",
			"the reply has no ```json fenced block; put the JSON in one block that starts with a line ```json and ends with a line ```"},
		{"bare prose with bare", `I cannot do that.`, true, "",
			`the reply is neither JSON nor has a ` + "```json" + ` fenced block: line 1, column 1: unquoted text "I" is not a value; put strings in double quotes`},
		{"untagged fence that is not JSON", "```\nnot json\n```", false, "",
			"the reply has no ```json fenced block; put the JSON in one block that starts with a line ```json and ends with a line ```"},
		{"invalid JSON", "```json\n{\"title\": \"t\" \"facts\": []}\n```", false, "",
			`the JSON in the last ` + "```json" + ` block is not valid: line 1, column 15: expected ',' or '}' after the value of property "title", found '"'`},
		{"missing required", "```json\n{\"facts\": []}\n```", false, "",
			`the JSON does not match the schema: missing required property "title"`},
		{"wrong type", "```json\n{\"title\": \"t\", \"facts\": \"none\"}\n```", false, "",
			`the JSON does not match the schema: property "facts": expected array, got string`},
		{"several violations in document order", "```json\n{\"title\": 5, \"facts\": [{\"year\": \"x\"}], \"rating\": \"high\", \"source\": {}}\n```", false, "",
			`the JSON does not match the schema: property "title": expected string, got number; item "facts/0": missing required property "name"; ` +
				`property "facts/0/year": expected integer, got string; property "rating": expected number or null, got string; property "source": missing required property "url"`},
		{"nullable alternative of the wrong type", "```json\n{\"title\": \"t\", \"facts\": [], \"source\": 5}\n```", false, "",
			`the JSON does not match the schema: property "source": expected object or null, got number`},
		{"top-level type", "```json\n[1]\n```", false, "",
			`the JSON does not match the schema: expected object, got array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Structured(tt.reply, schema, tt.bare)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Structured error\n got %v\nwant %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Structured: %v", err)
			}
			if s := value.JSON(got); s != tt.want {
				t.Errorf("Structured = %s, want %s", s, tt.want)
			}
		})
	}
}

func TestStructuredListsTheFirstFiveViolations(t *testing.T) {
	schema := mustCompile(t, `{"type": "array", "items": {"type": "integer"}}`)
	_, err := Structured("```json\n[\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\"]\n```", schema, false)
	want := `the JSON does not match the schema: item "0": expected integer, got string; item "1": expected integer, got string; ` +
		`item "2": expected integer, got string; item "3": expected integer, got string; item "4": expected integer, got string; and 2 more`
	if err == nil || err.Error() != want {
		t.Fatalf("error\n got %v\nwant %s", err, want)
	}
}

func TestStructuredKeepsWhatTheSchemaAllows(t *testing.T) {
	tests := []struct {
		name, schema, reply, want string
	}{
		{"additionalProperties schema keeps extra keys after the declared ones",
			`{"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": {"type": "string"}}`,
			`{"x": "1", "a": 2}`, `{"a": 2, "x": "1"}`},
		{"patternProperties keep matching keys",
			`{"type": "object", "properties": {"a": {"type": "integer"}}, "patternProperties": {"^x_": {"type": "integer"}}}`,
			`{"x_1": 1, "y": 2, "a": 3}`, `{"a": 3, "x_1": 1}`},
		{"a free object keeps everything",
			`{"type": "object"}`, `{"b": 1, "a": 2}`, `{"b": 1, "a": 2}`},
		{"allOf declares the union",
			`{"allOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]}`, `{"c": 0, "b": 1, "a": 2}`, `{"a": 2, "b": 1}`},
		{"$ref into $defs",
			`{"$ref": "#/$defs/P", "$defs": {"P": {"type": "object", "properties": {"p": {"type": "string"}}}}}`, `{"q": 1, "p": "x"}`, `{"p": "x"}`},
		{"prefixItems then items",
			`{"type": "array", "prefixItems": [{"type": "object", "properties": {"a": {}}}], "items": {"type": "object", "properties": {"b": {}}}}`,
			`[{"a": 1, "b": 2}, {"a": 3, "b": 4}]`, `[{"a": 1}, {"b": 4}]`},
		{"ambiguous anyOf removes nothing",
			`{"anyOf": [{"type": "object", "properties": {"a": {}}}, {"type": "object", "properties": {"b": {}}}]}`,
			`{"c": 1, "a": 2}`, `{"c": 1, "a": 2}`},
		{"recursive schema",
			`{"$defs": {"N": {"type": "object", "properties": {"v": {"type": "integer"}, "next": {"anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]}}}}, "$ref": "#/$defs/N"}`,
			`{"next": {"x": 0, "next": null, "v": 2}, "v": 1}`, `{"v": 1, "next": {"v": 2, "next": null}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Structured("```json\n"+tt.reply+"\n```", mustCompile(t, tt.schema), false)
			if err != nil {
				t.Fatal(err)
			}
			if s := value.JSON(got); s != tt.want {
				t.Errorf("Structured = %s, want %s", s, tt.want)
			}
		})
	}
}

func TestCompileSchemaErrors(t *testing.T) {
	tests := []struct{ schema, wantPrefix string }{
		{`{"type": "strng"}`, `invalid JSON Schema: "output_format#" is not valid against metaschema`},
		{`{"$ref": "https://example.com/s.json"}`, `invalid JSON Schema: failing loading "https://example.com/s.json"`},
	}
	for _, tt := range tests {
		_, err := CompileSchema(mustMap(t, tt.schema))
		if err == nil || len(err.Error()) < len(tt.wantPrefix) || err.Error()[:len(tt.wantPrefix)] != tt.wantPrefix {
			t.Errorf("CompileSchema(%s) error = %v, want prefix %q", tt.schema, err, tt.wantPrefix)
		}
	}
	if _, err := CompileSchema(nil); err == nil {
		t.Error("CompileSchema(nil) succeeded")
	}
}

func TestStructuredConcurrent(t *testing.T) {
	schema := mustCompile(t, factsSchema)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reply := fmt.Sprintf("```json\n{facts: [{name: 'n%d', extra: 1}], title: 't'}\n```", i)
			v, err := Structured(reply, schema, false)
			if err != nil {
				errs <- err
				return
			}
			if got, want := value.JSON(v), fmt.Sprintf(`{"title": "t", "facts": [{"name": "n%d"}]}`, i); got != want {
				errs <- fmt.Errorf("got %s, want %s", got, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
