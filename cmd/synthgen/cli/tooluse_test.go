package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate/output"
)

// Integration tests of tool use over real MCP: the demo server in
// examples/demo-mcp, built once per test binary, run over stdio, streamable
// HTTP and SSE.

var demoMCP struct {
	once sync.Once
	path string
	err  error
}

// demoMCPBin builds the demo MCP server once per test binary and returns its
// absolute path. The binary lives at a fixed per-user path in the temp
// folder (replaced atomically on each run) so runs do not pile up copies.
func demoMCPBin(t *testing.T) string {
	t.Helper()
	demoMCP.once.Do(func() {
		shared := filepath.Join(os.TempDir(), fmt.Sprintf("synthgen-cli-test-%d", os.Getuid()))
		if err := os.MkdirAll(shared, 0o755); err != nil {
			demoMCP.err = err
			return
		}
		tmp, err := os.MkdirTemp(shared, "build-")
		if err != nil {
			demoMCP.err = err
			return
		}
		defer os.RemoveAll(tmp)
		build := exec.Command("go", "build", "-o", filepath.Join(tmp, "demo-mcp"), "./examples/demo-mcp")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			demoMCP.err = fmt.Errorf("building the demo MCP server: %v\n%s", err, out)
			return
		}
		demoMCP.path = filepath.Join(shared, "demo-mcp")
		demoMCP.err = os.Rename(filepath.Join(tmp, "demo-mcp"), demoMCP.path)
	})
	if demoMCP.err != nil {
		t.Fatal(demoMCP.err)
	}
	return demoMCP.path
}

// startDemoHTTP runs the demo server with --http on a free loopback port,
// killed at the end of the test, and returns its base URL.
func startDemoHTTP(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(demoMCPBin(t), append([]string{"--http", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stderr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the demo server's address: %v", err)
	}
	go io.Copy(io.Discard, stderr)
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if base == "" {
		t.Fatalf("no address in %q", line)
	}
	return base
}

// toolConfig is a config with the given mcp_providers entries (YAML list
// items, indented by 2), one tool alias "calc" over providers, a mock model
// that makes one tool turn, and an llm-text column "answer" with prompt.
func toolConfig(providers, aliasProviders, prompt string) string {
	return `mcp_providers:
` + providers + `
tool_configs:
  - tool_alias: calc
    providers: [` + aliasProviders + `]
model_configs:
  - alias: agent
    model: mock-agent
    provider: mock
    inference_parameters:
      extra_body: {mock: {tool_turns: 1}}
columns:
  - name: answer
    column_type: llm-text
    model_alias: agent
    tool_alias: calc
    prompt: "` + prompt + `"
    with_trace: all_messages
`
}

func stdioProvider(name, command string, args ...string) string {
	s := fmt.Sprintf("  - name: %s\n    provider_type: stdio\n    command: %q\n", name, command)
	if len(args) > 0 {
		s += "    args: [" + strings.Join(args, ", ") + "]\n"
	}
	return s
}

// writeCfg writes cfg to a temp folder and returns its path.
func writeCfg(t *testing.T, cfg string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tools.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// createRows runs create on cfg with n rows and returns the main dataset
// folder, its rows by column name and stderr.
func createRows(t *testing.T, cfg string, n int) (string, []map[string]any, string) {
	t.Helper()
	dir := t.TempDir()
	_, errOut, code := run(t, "", "create", writeCfg(t, cfg), "-n", fmt.Sprint(n), "-o", dir, "-d", "ds", "--seed", "1", "--no-progress")
	if code != ExitOK {
		t.Fatalf("create: exit %d\n%s", code, errOut)
	}
	folder := filepath.Join(dir, "ds")
	return folder, readRows(t, filepath.Join(folder, "parquet-files", "batch_00000.parquet"), n), errOut
}

func readRows(t *testing.T, path string, n int) []map[string]any {
	t.Helper()
	cols, rows, err := output.ReadParquetFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("%s: %d rows, want %d", path, len(rows), n)
	}
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		out[i] = map[string]any{}
		for j, c := range cols {
			out[i][c.Name] = r[j]
		}
	}
	return out
}

// get follows keys through nested maps; nil when a key is missing.
func get(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(*value.Map)
		if !ok {
			return nil
		}
		v, _ = m.Get(k)
	}
	return v
}

// text joins the text blocks of a message's content.
func text(msg any) string {
	blocks, _ := get(msg, "content").([]any)
	var parts []string
	for _, b := range blocks {
		if s, ok := get(b, "text").(string); ok {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "")
}

// toolMessages returns the tool messages of a trace.
func toolMessages(trace []any) []any {
	var out []any
	for _, m := range trace {
		if role(m) == "tool" {
			out = append(out, m)
		}
	}
	return out
}

const addPrompt = "What is 2 plus 3? Use the add tool."

// A generation over stdio, its trace checked message by message, the run
// summary and metadata.json.
func TestToolUseStdioTrace(t *testing.T) {
	cfg := toolConfig(stdioProvider("demo", demoMCPBin(t)), "demo", addPrompt)
	_, rows, errOut := createRows(t, cfg, 3)
	if !strings.Contains(errOut, "tools: 3 calls in 3 turns (0 failed, 0 refused)") {
		t.Errorf("run summary:\n%s", errOut)
	}
	for i, r := range rows {
		trace, ok := r["answer__trace"].([]any)
		if !ok {
			t.Fatalf("row %d: answer__trace is %T", i, r["answer__trace"])
		}
		msgs := trace
		if len(msgs) > 0 && role(msgs[0]) == "system" {
			msgs = msgs[1:]
		}
		js := value.JSON(trace)
		if len(msgs) != 4 {
			t.Fatalf("row %d: want user, assistant, tool, assistant:\n%s", i, js)
		}
		if role(msgs[0]) != "user" || text(msgs[0]) != addPrompt {
			t.Errorf("row %d: first message %s", i, value.JSON(msgs[0]))
		}
		call := msgs[1]
		if role(call) != "assistant" || text(call) != "" {
			t.Errorf("row %d: tool-call message %s", i, value.JSON(call))
		}
		if blocks, _ := get(call, "content").([]any); len(blocks) != 1 || get(blocks[0], "type") != "text" {
			t.Errorf("row %d: tool-call message content %s", i, value.JSON(get(call, "content")))
		}
		calls, _ := get(call, "tool_calls").([]any)
		if len(calls) != 1 {
			t.Fatalf("row %d: tool_calls %s", i, value.JSON(get(call, "tool_calls")))
		}
		id, _ := get(calls[0], "id").(string)
		if id == "" || get(calls[0], "type") != "function" || get(calls[0], "function", "name") != "add" {
			t.Errorf("row %d: tool call %s", i, value.JSON(calls[0]))
		}
		argText, ok := get(calls[0], "function", "arguments").(string)
		if !ok {
			t.Fatalf("row %d: arguments are %T, want a JSON string", i, get(calls[0], "function", "arguments"))
		}
		var args map[string]any
		if err := json.Unmarshal([]byte(argText), &args); err != nil || args["a"] != 2.0 || args["b"] != 3.0 {
			t.Errorf("row %d: arguments %q (%v), want a=2, b=3", i, argText, err)
		}
		res := msgs[2]
		if role(res) != "tool" || get(res, "tool_call_id") != id || text(res) != "5" {
			t.Errorf("row %d: tool message %s, want tool_call_id %q and text 5", i, value.JSON(res), id)
		}
		final := msgs[3]
		if role(final) != "assistant" || get(final, "tool_calls") != nil || !strings.Contains(text(final), "5") {
			t.Errorf("row %d: final message %s", i, value.JSON(final))
		}
		if r["answer"] != text(final) {
			t.Errorf("row %d: answer %q ≠ final message %q", i, r["answer"], text(final))
		}
	}
}

// metadata.json counts tool use per model alias (spec/engine.md,
// "metadata.json": tool calls, tool turns, failed tool calls) and per column.
func TestToolUseMetadataMCP(t *testing.T) {
	cfg := toolConfig(stdioProvider("demo", demoMCPBin(t)), "demo", addPrompt)
	folder, _, _ := createRows(t, cfg, 3)
	var meta struct {
		ModelUsage map[string]map[string]any `json:"model_usage"`
	}
	b, err := os.ReadFile(filepath.Join(folder, "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	u := meta.ModelUsage["agent"]
	if u["tool_calls"] != 3.0 || u["tool_turns"] != 3.0 || u["tools_by_column"] == nil {
		t.Errorf("model_usage[agent] lacks tool_calls 3, tool_turns 3, tools_by_column: %v", u)
	}
}

// The same generation against a running server over streamable HTTP and SSE.
func TestToolUseMCPOverHTTP(t *testing.T) {
	base := startDemoHTTP(t)
	for _, tt := range []struct{ typ, path string }{{"streamable_http", "/mcp"}, {"sse", "/sse"}} {
		t.Run(tt.typ, func(t *testing.T) {
			provider := fmt.Sprintf("  - name: remote\n    provider_type: %s\n    endpoint: %s%s\n", tt.typ, base, tt.path)
			_, rows, errOut := createRows(t, toolConfig(provider, "remote", addPrompt), 3)
			if !strings.Contains(errOut, "tools: 3 calls in 3 turns (0 failed, 0 refused)") {
				t.Errorf("run summary:\n%s", errOut)
			}
			for i, r := range rows {
				trace, _ := r["answer__trace"].([]any)
				tm := toolMessages(trace)
				if len(tm) != 1 || text(tm[0]) != "5" {
					t.Errorf("row %d: trace %s", i, value.JSON(trace))
				}
			}
		})
	}
}

// A provider whose command does not exist stops create and tools with exit
// 3, naming the provider, before anything is generated.
func TestToolProviderUnreachableMCP(t *testing.T) {
	cfg := writeCfg(t, toolConfig(stdioProvider("ghost-tools", "./no-such-server"), "ghost-tools", addPrompt))
	dir := t.TempDir()
	_, errOut, code := run(t, "", "create", cfg, "-n", "3", "-o", dir, "-d", "ds", "--no-progress")
	if code != ExitUnreachable || !strings.Contains(errOut, "ghost-tools") {
		t.Fatalf("create: exit %d, want 3 naming the provider\n%s", code, errOut)
	}
	if strings.Contains(errOut, "wrote ") || strings.Contains(errOut, "tools: ") {
		t.Errorf("generation ran:\n%s", errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("create left %v in the artifact path", entries)
	}
	out, errOut, code := run(t, "", "tools", cfg)
	if code != ExitUnreachable || !strings.Contains(out+errOut, "ghost-tools") {
		t.Fatalf("tools: exit %d, want 3 naming the provider\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// synthgen tools lists each alias's tools after allow_tools, and reports
// misconfigured aliases.
func TestToolsCommandMCP(t *testing.T) {
	bin := demoMCPBin(t)
	out, errOut, code := run(t, "", "tools", writeCfg(t, toolConfig(stdioProvider("demo", bin), "demo", addPrompt)))
	if code != ExitOK {
		t.Fatalf("tools: exit %d\n%s", code, errOut)
	}
	if !strings.HasPrefix(out, "calc (providers: demo;") {
		t.Errorf("no alias header:\n%s", out)
	}
	for _, tool := range []string{"add", "multiply", "calculator", "convert_units", "lookup", "search_docs"} {
		if !regexp.MustCompile(`(?m)^  ` + tool + ` +demo  \S`).MatchString(out) {
			t.Errorf("tool %s with provider demo not listed:\n%s", tool, out)
		}
	}
	if strings.Contains(out, "sleep") || strings.Contains(out, "fail") {
		t.Errorf("test-only tools listed without --test-tools:\n%s", out)
	}
	if n := strings.Count(out, "parameters: {"); n != 6 {
		t.Errorf("%d parameters lines, want 6:\n%s", n, out)
	}
	if !strings.Contains(out, `"a"`) || !strings.Contains(out, `"expression"`) {
		t.Errorf("parameters do not show the schemas:\n%s", out)
	}

	// allow_tools filters.
	allow := strings.Replace(toolConfig(stdioProvider("demo", bin), "demo", addPrompt), "providers: [demo]", "providers: [demo]\n    allow_tools: [add]", 1)
	out, errOut, code = run(t, "", "tools", writeCfg(t, allow))
	if code != ExitOK || !regexp.MustCompile(`(?m)^  add +demo `).MatchString(out) ||
		strings.Contains(out, "multiply") || strings.Contains(out, "search_docs") || strings.Count(out, "parameters:") != 1 {
		t.Errorf("allow_tools [add]: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	// An allowed tool no provider has.
	missing := strings.Replace(allow, "allow_tools: [add]", "allow_tools: [add, subtract]", 1)
	out, errOut, code = run(t, "", "tools", writeCfg(t, missing))
	if code != ExitInvalid || !strings.Contains(errOut, `"subtract"`) {
		t.Errorf("missing tool: exit %d, want 2 naming subtract\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	// The same tools on two providers.
	two := toolConfig(stdioProvider("demo-one", bin)+stdioProvider("demo-two", bin), "demo-one, demo-two", addPrompt)
	out, errOut, code = run(t, "", "tools", writeCfg(t, two))
	if code != ExitInvalid || !strings.Contains(errOut, `"demo-one"`) || !strings.Contains(errOut, `"demo-two"`) {
		t.Errorf("duplicate tools: exit %d, want 2 naming both providers\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// create refuses it too, before generation.
	dir := t.TempDir()
	_, errOut, code = run(t, "", "create", writeCfg(t, two), "-n", "2", "-o", dir, "--no-progress")
	if code != ExitInvalid || !strings.Contains(errOut, `"demo-one"`) || !strings.Contains(errOut, `"demo-two"`) {
		t.Errorf("create with duplicate tools: exit %d, want 2 naming both providers\n%s", code, errOut)
	}
}

// The tool-use SFT example writes its chat-form dataset.
func TestToolUseSFTExampleMCP(t *testing.T) {
	chdirRoot(t)
	dir := t.TempDir()
	_, errOut, code := run(t, "", "create", "examples/tool_use_sft.yaml", "-n", "5", "-o", dir, "-d", "sft", "--seed", "2", "--no-progress")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	rows := readRows(t, filepath.Join(dir, "sft", "processors-files", "chat", "batch_00000.parquet"), 5)
	for i, r := range rows {
		msgs, _ := r["messages"].([]any)
		if len(toolMessages(msgs)) == 0 {
			t.Errorf("row %d: no tool message in %s", i, value.JSON(r["messages"]))
		}
		tools, _ := r["tools"].([]any)
		if len(tools) == 0 || get(tools[0], "function", "name") != "add" || get(tools[0], "type") != "function" {
			t.Errorf("row %d: tools %s", i, value.JSON(r["tools"]))
		}
	}
}

// A tool that fails is fed back as an Error: tool message and the row is
// still written.
func TestToolUseFailingToolMCP(t *testing.T) {
	cfg := toolConfig(stdioProvider("demo", demoMCPBin(t), "--test-tools"), "demo", "Call the fail tool, please.")
	_, rows, errOut := createRows(t, cfg, 2)
	if !strings.Contains(errOut, "tools: 2 calls in 2 turns (2 failed, 0 refused)") {
		t.Errorf("run summary:\n%s", errOut)
	}
	for i, r := range rows {
		trace, _ := r["answer__trace"].([]any)
		tm := toolMessages(trace)
		if len(tm) != 1 || !strings.HasPrefix(text(tm[0]), "Error: fail failed:") {
			t.Errorf("row %d: trace %s", i, value.JSON(trace))
		}
		if s, _ := r["answer"].(string); s == "" {
			t.Errorf("row %d: no answer", i)
		}
	}
}
