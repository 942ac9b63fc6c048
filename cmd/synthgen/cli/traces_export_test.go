package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exportConfig: a sampler, a reasoning mock model that makes one parallel
// tool turn against the demo MCP server, and a trace of every message.
func exportConfig(bin string) string {
	return `mcp_providers:
` + stdioProvider("demo", bin) + `
tool_configs:
  - tool_alias: calc
    providers: [demo]
    allow_tools: [add, multiply]
model_configs:
  - alias: agent
    model: mock-agent-reasoning
    provider: mock
    inference_parameters:
      extra_body: {mock: {tool_turns: 1, parallel_tool_calls: 1}}
columns:
  - name: topic
    column_type: sampler
    sampler_type: category
    params: {values: [math]}
  - name: answer
    column_type: llm-text
    model_alias: agent
    tool_alias: calc
    system_prompt: "Use the tools."
    prompt: "What is 2 plus 3? ({{ topic }})"
    with_trace: all_messages
`
}

// create a small tool-using dataset with the mock model, export it in every
// format and check each file loads as JSON lines of the expected shape.
func TestTracesExportMCP(t *testing.T) {
	folder, _, _ := createRows(t, exportConfig(demoMCPBin(t)), 3)
	out := t.TempDir()
	exportLines := func(t *testing.T, format string, extra ...string) ([]map[string]any, string) {
		t.Helper()
		file := filepath.Join(out, format+".jsonl")
		_, errOut, code := run(t, "", append([]string{"traces", "export", folder, "--format", format, "--column", "answer", "-o", file}, extra...)...)
		if code != ExitOK {
			t.Fatalf("export %s: exit %d\n%s", format, code, errOut)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var lines []map[string]any
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("%s: line %q: %v", format, l, err)
			}
			lines = append(lines, m)
		}
		if len(lines) != 3 {
			t.Fatalf("%s: %d lines, want 3", format, len(lines))
		}
		return lines, errOut
	}

	t.Run("hf-messages", func(t *testing.T) {
		lines, _ := exportLines(t, "hf-messages")
		msgs := lines[0]["messages"].([]any)
		roles := []string{}
		for _, m := range msgs {
			roles = append(roles, m.(map[string]any)["role"].(string))
		}
		if got := strings.Join(roles, ","); !strings.HasPrefix(got, "system,user,assistant,tool") || !strings.HasSuffix(got, "tool,assistant") {
			t.Errorf("roles = %s", got)
		}
		call := msgs[2].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)
		if _, ok := call["function"].(map[string]any)["arguments"].(map[string]any); !ok {
			t.Errorf("arguments are not an object: %v", call)
		}
		if msgs[len(msgs)-1].(map[string]any)["reasoning_content"] == nil {
			t.Errorf("final answer without reasoning_content: %v", msgs[len(msgs)-1])
		}
	})
	t.Run("tools-file", func(t *testing.T) {
		tools := filepath.Join(out, "tools.json")
		if err := os.WriteFile(tools, []byte(`[{"type":"function","function":{"name":"add","description":"Add.","parameters":{"type":"object"}}}]`), 0o644); err != nil {
			t.Fatal(err)
		}
		lines, errOut := exportLines(t, "hf-messages", "--tools", tools)
		if got := lines[0]["tools"].([]any); len(got) != 1 || strings.Contains(errOut, "no answer__tools") {
			t.Errorf("tools = %v\n%s", got, errOut)
		}
	})
	t.Run("openai-ft", func(t *testing.T) {
		lines, errOut := exportLines(t, "openai-ft")
		if n := strings.Count(errOut, "reasoning is dropped"); n != 1 {
			t.Errorf("%d reasoning warnings, want 1:\n%s", n, errOut)
		}
		for _, m := range lines[0]["messages"].([]any) {
			if _, ok := m.(map[string]any)["reasoning_content"]; ok {
				t.Errorf("openai-ft kept reasoning_content: %v", m)
			}
		}
	})
	t.Run("sharegpt", func(t *testing.T) {
		lines, _ := exportLines(t, "sharegpt")
		conv := lines[0]["conversations"].([]any)
		if conv[0].(map[string]any)["from"] != "human" || conv[len(conv)-1].(map[string]any)["from"] != "gpt" {
			t.Errorf("conversations = %v", conv)
		}
		var info map[string]map[string]any
		b, err := os.ReadFile(filepath.Join(out, "dataset_info.json"))
		if err != nil || json.Unmarshal(b, &info) != nil || info["sharegpt"]["file_name"] != "sharegpt.jsonl" || info["sharegpt"]["formatting"] != "sharegpt" {
			t.Errorf("dataset_info.json = %s (%v)", b, err)
		}
	})
	t.Run("flat", func(t *testing.T) {
		lines, _ := exportLines(t, "flat")
		l := lines[0]
		if l["column"] != "answer" || l["tool_calls"].(float64) < 1 || len(l["tools_involved"].([]any)) == 0 || l["metadata"].(map[string]any)["topic"] != "math" {
			t.Errorf("flat line = %v", l)
		}
	})
	t.Run("eval", func(t *testing.T) {
		lines, _ := exportLines(t, "eval")
		l := lines[0]
		msgs := l["inputs"].(map[string]any)["messages"].([]any)
		if msgs[len(msgs)-1].(map[string]any)["role"] != "tool" || l["expected"] == "" || l["metadata"].(map[string]any)["topic"] != "math" {
			t.Errorf("eval line = %v", l)
		}
	})
}

func TestTracesExportUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"traces", "export", dir},
		{"traces", "export"},
	} {
		if _, errOut, code := run(t, "", args...); code != ExitInvalid {
			t.Errorf("%v: exit %d, want %d\n%s", args, code, ExitInvalid, errOut)
		}
	}
}

// Exported rows carry their dataset row index, also when earlier rows of
// the group failed (a group's file skips them).
func TestTracesExportRowIndices(t *testing.T) {
	dir := t.TempDir()
	var seed strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&seed, "{\"idx\": %d}\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, "seed.jsonl"), []byte(seed.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := `seed_config: {source: {seed_type: local, path: seed.jsonl}, sampling_strategy: ordered}
model_configs:
  - {alias: m, model: mock-text, provider: mock, skip_health_check: true}
columns:
  - {name: answer, column_type: llm-text, model_alias: m, prompt: "Row {{ idx }}", with_trace: all_messages}
  - {name: check, column_type: expression, dtype: int, expr: "{% if idx % 3 == 1 %}bad{% else %}{{ idx }}{% endif %}"}
run_config: {buffer_size: 8, disable_early_shutdown: true}
`
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := run(t, "", "create", path, "-n", "30", "-o", filepath.Join(dir, "out"), "--no-progress", "--seed", "1"); code != 0 {
		t.Fatalf("create: exit %d\n%s", code, errOut)
	}
	out, errOut, code := run(t, "", "traces", "export", filepath.Join(dir, "out", "dataset"), "--format", "eval", "-o", "-")
	if code != 0 {
		t.Fatalf("export: exit %d\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 20 {
		t.Fatalf("%d lines, want the 20 rows that did not fail", len(lines))
	}
	for _, line := range lines {
		var rec struct {
			Metadata struct {
				Row int64 `json:"row"`
				Idx int64 `json:"idx"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Metadata.Row != rec.Metadata.Idx || rec.Metadata.Row%3 == 1 {
			t.Errorf("line says row %d for the row whose idx is %d", rec.Metadata.Row, rec.Metadata.Idx)
		}
	}
	// traces show finds rows by dataset index, and says when a row failed.
	ds := filepath.Join(dir, "out", "dataset")
	out, errOut, code = run(t, "", "traces", "show", ds, "--row", "11", "--row", "2")
	if code != 0 || !strings.Contains(out, "── row 2 · answer") || !strings.Contains(out, "── row 11 · answer") ||
		!strings.Contains(out, "Row 11") || strings.Contains(out, "Row 12") || strings.Count(out, "── row") != 2 {
		t.Errorf("show --row 11 --row 2: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code = run(t, "", "traces", "show", ds, "--row", "10"); code != ExitFailed || !strings.Contains(errOut, "[10] are not in the dataset") {
		t.Errorf("show of a failed row: exit %d, %s", code, errOut)
	}
}
