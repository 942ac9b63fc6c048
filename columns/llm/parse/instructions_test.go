package parse

import "testing"

func TestCodeInstructions(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{"python", "Return the code in Python as exactly one fenced code block: a line ```python, then the code, then a line ```. Do not write any other fenced block."},
		{"cpp", "Return the code in C++ as exactly one fenced code block: a line ```cpp, then the code, then a line ```. Do not write any other fenced block."},
		{"csharp", "Return the code in C# as exactly one fenced code block: a line ```csharp, then the code, then a line ```. Do not write any other fenced block."},
		{"sql:postgres", "Return the code in SQL (PostgreSQL dialect) as exactly one fenced code block: a line ```sql, then the code, then a line ```. Do not write any other fenced block."},
		{"sql:ansi", "Return the code in SQL (ANSI SQL) as exactly one fenced code block: a line ```sql, then the code, then a line ```. Do not write any other fenced block."},
		{"zig", "Return the code in zig as exactly one fenced code block: a line ```zig, then the code, then a line ```. Do not write any other fenced block."},
	}
	for _, tt := range tests {
		if got := CodeInstructions(tt.give); got != tt.want {
			t.Errorf("CodeInstructions(%q)\n got %s\nwant %s", tt.give, got, tt.want)
		}
	}
}

func TestStructuredInstructions(t *testing.T) {
	schema := mustMap(t, `{"type": "object", "properties": {"z": {"type": "string"}, "a": {"type": "array", "items": {"type": "integer"}}}, "required": ["z"]}`)
	want := "Answer with JSON that matches this JSON Schema:\n" +
		"\n" +
		"```json\n" +
		"{\n" +
		"  \"type\": \"object\",\n" +
		"  \"properties\": {\n" +
		"    \"z\": {\n" +
		"      \"type\": \"string\"\n" +
		"    },\n" +
		"    \"a\": {\n" +
		"      \"type\": \"array\",\n" +
		"      \"items\": {\n" +
		"        \"type\": \"integer\"\n" +
		"      }\n" +
		"    }\n" +
		"  },\n" +
		"  \"required\": [\n" +
		"    \"z\"\n" +
		"  ]\n" +
		"}\n" +
		"```\n" +
		"\n" +
		"Return the JSON as exactly one fenced code block: a line ```json, then the JSON, then a line ```. Do not write any other fenced block, and do not repeat the schema."
	if got := StructuredInstructions(schema); got != want {
		t.Errorf("StructuredInstructions\n got %q\nwant %q", got, want)
	}
}

func TestAppend(t *testing.T) {
	tests := []struct{ prompt, instructions, want string }{
		{"Write a poem.", "", "Write a poem."},
		{"Write a poem.  \n", "", "Write a poem.  \n"},
		{"Write code.\n", "Return the code.", "Write code.\n\nReturn the code."},
	}
	for _, tt := range tests {
		if got := Append(tt.prompt, tt.instructions); got != tt.want {
			t.Errorf("Append(%q, %q) = %q, want %q", tt.prompt, tt.instructions, got, tt.want)
		}
	}
	if TextInstructions() != "" {
		t.Error("text columns have instructions")
	}
}
