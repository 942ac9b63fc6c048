package parse

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/synthgen/synthgen/columns/value"
)

// Append adds a column kind's instructions to the rendered user prompt,
// separated by a blank line; with no instructions (llm-text) the prompt is
// returned unchanged. Instructions never go into the system prompt.
func Append(prompt, instructions string) string {
	if instructions == "" {
		return prompt
	}
	return strings.TrimRight(prompt, " \t\r\n") + "\n\n" + instructions
}

// TextInstructions are the instructions of llm-text columns: none.
func TextInstructions() string { return "" }

// CodeInstructions asks for exactly one fenced code block in lang, a
// code_lang of the config ("python", "cpp", "sql:postgres", ...). The fence
// tag is the language name; every SQL dialect uses "sql". For "python":
//
//	Return the code in Python as exactly one fenced code block: a line ```python, then the code, then a line ```. Do not write any other fenced block.
func CodeInstructions(lang string) string {
	return "Return the code in " + languageName(lang) + " as exactly one fenced code block: a line ```" +
		FenceTag(lang) + ", then the code, then a line ```. Do not write any other fenced block."
}

// StructuredInstructions asks for exactly one ```json fenced block that
// matches schema, and includes the schema as JSON indented by two spaces,
// keys in the schema's own order. Judge columns use it with JudgeSchema.
func StructuredInstructions(schema *value.Map) string {
	return "Answer with JSON that matches this JSON Schema:\n\n```json\n" + indentJSON(schema) +
		"\n```\n\nReturn the JSON as exactly one fenced code block: a line ```json, then the JSON, then a line ```. " +
		"Do not write any other fenced block, and do not repeat the schema."
}

// indentJSON renders v as JSON indented by two spaces, keys in order.
func indentJSON(v any) string {
	compact := value.CompactJSON(v)
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(compact), "", "  "); err != nil {
		return compact
	}
	return buf.String()
}

// FenceTag is the fence tag asked for in CodeInstructions: the language
// name, or "sql" for every SQL dialect ("sql:postgres").
func FenceTag(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if lang == "sql" || strings.HasPrefix(lang, "sql:") {
		return "sql"
	}
	return lang
}

// languageNames are the display names of the code_lang values.
var languageNames = map[string]string{
	"bash": "Bash", "c": "C", "cobol": "COBOL", "cpp": "C++", "csharp": "C#", "go": "Go", "java": "Java",
	"javascript": "JavaScript", "kotlin": "Kotlin", "python": "Python", "ruby": "Ruby", "rust": "Rust",
	"scala": "Scala", "swift": "Swift", "typescript": "TypeScript", "sql": "SQL",
	"sql:sqlite": "SQL (SQLite dialect)", "sql:tsql": "SQL (T-SQL dialect)", "sql:bigquery": "SQL (BigQuery dialect)",
	"sql:mysql": "SQL (MySQL dialect)", "sql:postgres": "SQL (PostgreSQL dialect)", "sql:ansi": "SQL (ANSI SQL)",
}

func languageName(lang string) string {
	if n, ok := languageNames[strings.ToLower(strings.TrimSpace(lang))]; ok {
		return n
	}
	return lang
}

// languageAliases are the fence tags accepted for a language besides its
// own name (compared lower-case).
var languageAliases = map[string][]string{
	"bash":       {"sh", "shell", "zsh", "shellscript"},
	"c":          {"h"},
	"cobol":      {"cob", "cbl"},
	"cpp":        {"c++", "cxx", "cc", "hpp"},
	"csharp":     {"cs", "c#"},
	"go":         {"golang"},
	"javascript": {"js", "node", "jsx", "mjs"},
	"kotlin":     {"kt", "kts"},
	"python":     {"py", "python3", "py3"},
	"ruby":       {"rb"},
	"rust":       {"rs"},
	"typescript": {"ts", "tsx"},
	"sql":        {"sqlite", "sqlite3", "tsql", "t-sql", "mssql", "bigquery", "mysql", "postgres", "postgresql", "psql", "plpgsql", "ansi"},
}

// tagMatches reports whether a fence tag names lang (case-insensitive,
// common aliases accepted).
func tagMatches(tag, lang string) bool {
	tag = strings.ToLower(tag)
	want := FenceTag(lang)
	if tag == want {
		return true
	}
	for _, a := range languageAliases[want] {
		if tag == a {
			return true
		}
	}
	return false
}
