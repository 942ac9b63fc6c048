package mcp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/tracing"
)

func toolNames(tools []Tool) []string {
	var out []string
	for _, t := range tools {
		out = append(out, t.Name)
	}
	return out
}

func TestToolsStdio(t *testing.T) {
	m := newManager(t, doc([]config.MCPProvider{stdioDemo("demo")},
		alias("all", []string{"demo"}),
		alias("math", []string{"demo"}, "calculator", "add")), nil)
	ctx := ctxTimeout(t, 30*time.Second)

	all, err := m.Tools(ctx, "all")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"add", "calculator", "convert_units", "fail", "lookup", "multiply", "search_docs", "sleep"}
	if got := toolNames(all); !reflect.DeepEqual(got, want) {
		t.Errorf("all tools = %v, want %v (sorted by name)", got, want)
	}

	math, err := m.Tools(ctx, "math")
	if err != nil {
		t.Fatal(err)
	}
	if got := toolNames(math); !reflect.DeepEqual(got, []string{"calculator", "add"}) {
		t.Errorf("allowed tools = %v, want allow_tools order [calculator add]", got)
	}
	add := math[1]
	if add.Provider != "demo" || add.Description == "" {
		t.Errorf("add = %+v, want provider demo and a description", add)
	}
	props, _ := add.Parameters["properties"].(map[string]any)
	if add.Parameters["type"] != "object" || props["a"] == nil || props["b"] == nil {
		t.Errorf("add parameters = %v, want an object schema with a and b", add.Parameters)
	}

	if _, err := m.Tools(ctx, "maht"); err == nil || !strings.Contains(err.Error(), `did you mean "math"`) {
		t.Errorf("unknown alias error = %v, want a suggestion", err)
	}
}

func TestToolsDuplicateAcrossProviders(t *testing.T) {
	m := newManager(t, doc([]config.MCPProvider{stdioDemo("one"), stdioDemo("two")},
		alias("both", []string{"one", "two"}),
		alias("both-add", []string{"one", "two"}, "add")), nil)
	ctx := ctxTimeout(t, 30*time.Second)
	for _, a := range []string{"both", "both-add"} {
		_, err := m.Tools(ctx, a)
		if err == nil {
			t.Fatalf("%s: no error for tools offered by two providers", a)
		}
		for _, want := range []string{`"add"`, `"one"`, `"two"`, a} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not name %s", a, err, want)
			}
		}
	}
}

func TestToolsAllowedToolMissing(t *testing.T) {
	m := newManager(t, doc([]config.MCPProvider{stdioDemo("demo")}, alias("research", []string{"demo"}, "add", "serach_docs")), nil)
	_, err := m.Tools(ctxTimeout(t, 30*time.Second), "research")
	if err == nil {
		t.Fatal("no error for an allowed tool that no provider has")
	}
	for _, want := range []string{`"serach_docs"`, `"research"`, `did you mean "search_docs"?`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %s", err, want)
		}
	}
}

func TestCall(t *testing.T) {
	m := newManager(t, doc([]config.MCPProvider{stdioDemo("demo")}, alias("tools", []string{"demo"}, "add", "calculator", "fail", "lookup")), nil)
	ctx := ctxTimeout(t, 30*time.Second)
	tests := []callTest{
		{tool: "add", args: `{"a":2,"b":3}`, want: "5"},
		{tool: "add", args: ` {"a":0.1, "b":0.2} `, want: "0.3"},
		{tool: "calculator", args: `{"expression":"(2 + 3) * 4"}`, want: "20"},
		{tool: "lookup", args: `{"query":"warranty"}`, want: "Warranty: Orbital equipment has a 2-year warranty"},
		{tool: "fail", args: `{"message":"the disk is on fire"}`, wantErr: "the disk is on fire"},
		{tool: "calculator", args: `{"expression":"1/0"}`, wantErr: "division by zero"},
		{tool: "add", args: `{}`, wantErr: "a"}, // the server's schema validation
		{tool: "add", args: `[1,2]`, wantErr: "not a JSON object"},
		{tool: "add", args: `{"a":`, wantErr: "not a JSON object"},
		{tool: "multiply", args: `{"a":2,"b":3}`, wantErr: `tool "multiply" is not offered by tool_alias "tools"`},
	}
	if _, err := m.Tools(ctx, "tools"); err != nil {
		t.Fatal(err)
	}
	// Errors the server answers with come back at once (no wait for an exit).
	within(t, 900*time.Millisecond, func() { testCalls(t, m, tests) })
	// A protocol error (here: a tool the server does not know) is not taken
	// for a server exit either.
	p, _ := m.provider("demo")
	within(t, 500*time.Millisecond, func() {
		if _, err := p.call(ctx, &sdk.CallToolParams{Name: "no-such-tool"}); err == nil || !strings.Contains(err.Error(), "no-such-tool") {
			t.Errorf("unknown tool error = %v", err)
		}
	})
}

type callTest struct {
	tool, args string
	want       string // the text of the one text block
	wantErr    string
}

func testCalls(t *testing.T, m *Manager, tests []callTest) {
	ctx := ctxTimeout(t, 30*time.Second)
	for _, tt := range tests {
		blocks, err := m.Call(ctx, "tools", tt.tool, tt.args)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s(%s) error = %v, want %q", tt.tool, tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s(%s): %v", tt.tool, tt.args, err)
			continue
		}
		if len(blocks) != 1 || blocks[0].Type != tracing.BlockText || !strings.HasPrefix(blocks[0].Text, tt.want) {
			t.Errorf("%s(%s) = %+v, want one text block %q", tt.tool, tt.args, blocks, tt.want)
		}
	}
}

func TestCallTimeout(t *testing.T) {
	m := newManager(t, doc([]config.MCPProvider{stdioDemo("demo")}, alias("tools", []string{"demo"})), nil)
	if _, err := m.Tools(ctxTimeout(t, 30*time.Second), "tools"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var err error
	within(t, time.Second, func() { _, err = m.Call(ctx, "tools", "sleep", `{"seconds":5}`) })
	if !errors.Is(err, context.DeadlineExceeded) || err.Error() != "timed out after 100ms" {
		t.Errorf("error = %v, want \"timed out after 100ms\" matching context.DeadlineExceeded", err)
	}
	// The session survives a timed-out call.
	if blocks, err := m.Call(ctxTimeout(t, 10*time.Second), "tools", "add", `{"a":1,"b":1}`); err != nil || blocks[0].Text != "2" {
		t.Errorf("add after a timeout = %v, %v", blocks, err)
	}
}

func TestCallTimeoutSec(t *testing.T) {
	tc := alias("tools", []string{"demo"})
	limit := 0.2
	tc.TimeoutSec = &limit
	m := newManager(t, doc([]config.MCPProvider{stdioDemo("demo")}, tc), nil)
	if _, err := m.Tools(ctxTimeout(t, 30*time.Second), "tools"); err != nil {
		t.Fatal(err)
	}
	var err error
	within(t, 2*time.Second, func() { _, err = m.Call(ctxTimeout(t, 30*time.Second), "tools", "sleep", `{"seconds":5}`) })
	if err == nil || err.Error() != "timed out after 200ms" {
		t.Errorf("error = %v, want timed out after 200ms (timeout_sec)", err)
	}
}

func TestUnreachable(t *testing.T) {
	tests := []struct {
		name string
		prov config.MCPProvider
		env  map[string]string
		want []string
		hide []string // must not appear in the message
	}{
		{
			name: "relative command",
			prov: config.MCPProvider{Name: "local-tools", ProviderType: TypeStdio, Command: "./bin/nope"},
			want: []string{`mcp provider "local-tools"`, "exec ./bin/nope: no such file or directory"},
		},
		{
			name: "command on PATH",
			prov: config.MCPProvider{Name: "path-tools", ProviderType: TypeStdio, Command: "synthgen-no-such-mcp-server"},
			want: []string{`mcp provider "path-tools"`, "exec synthgen-no-such-mcp-server: executable file not found"},
		},
		{
			name: "server exits before the handshake, env values redacted",
			prov: config.MCPProvider{Name: "broken", ProviderType: TypeStdio, Command: "sh",
				Args: []string{"-c", `echo "token is $DEMO_TOKEN" >&2; exit 3`}, Env: map[string]string{"DEMO_TOKEN": "hunter22"}},
			want: []string{`mcp provider "broken"`, "stderr: token is ***"},
			hide: []string{"hunter22"},
		},
		{
			name: "streamable http endpoint refuses connections",
			prov: config.MCPProvider{Name: "remote", ProviderType: TypeStreamableHTTP, Endpoint: "http://127.0.0.1:1/mcp", APIKey: "sk-literal-secret"},
			want: []string{`mcp provider "remote"`, "connecting to http://127.0.0.1:1/mcp"},
			hide: []string{"sk-literal-secret"},
		},
		{
			name: "sse endpoint refuses connections",
			prov: config.MCPProvider{Name: "remote-sse", ProviderType: TypeSSE, Endpoint: "http://127.0.0.1:1/sse?key=abc123"},
			want: []string{`mcp provider "remote-sse"`, "connecting to http://127.0.0.1:1/sse"},
			hide: []string{"abc123"},
		},
		{
			name: "api_key variable not set",
			prov: config.MCPProvider{Name: "remote", ProviderType: TypeStreamableHTTP, Endpoint: "http://127.0.0.1:1/mcp", APIKey: "MCP_API_KEY"},
			want: []string{`mcp provider "remote"`, "environment variable MCP_API_KEY (api_key) is not set"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, doc([]config.MCPProvider{tt.prov}, alias("tools", []string{tt.prov.Name})), tt.env)
			ctx := ctxTimeout(t, 30*time.Second)
			_, err := m.Tools(ctx, "tools")
			if !errors.Is(err, columns.ErrUnreachable) {
				t.Fatalf("error = %v, want one matching columns.ErrUnreachable", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, h := range tt.hide {
				if strings.Contains(err.Error(), h) {
					t.Errorf("error %q contains the secret %q", err, h)
				}
			}
			// The failure is remembered: no second start.
			if _, err2 := m.Tools(ctx, "tools"); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("second Tools error = %v, want the same", err2)
			}
		})
	}
}

func TestUnknownProvider(t *testing.T) {
	d := doc(nil, alias("tools", []string{"demo-tool"}))
	d.HomeMCPProviders = []config.MCPProvider{stdioDemo("demo-tools")}
	m := newManager(t, d, nil)
	_, err := m.Tools(ctxTimeout(t, 30*time.Second), "tools")
	if !errors.Is(err, columns.ErrUnreachable) || !strings.Contains(err.Error(), `unknown mcp provider "demo-tool"; did you mean "demo-tools"?`) {
		t.Errorf("error = %v", err)
	}
	// Home providers are found.
	m2 := newManager(t, func() *config.Document {
		d := *d
		d.ToolConfigs = []config.ToolConfig{alias("tools", []string{"demo-tools"}, "add")}
		return &d
	}(), nil)
	if tools, err := m2.Tools(ctxTimeout(t, 30*time.Second), "tools"); err != nil || len(tools) != 1 {
		t.Errorf("home provider: %v, %v", tools, err)
	}
}

// currentSession returns the provider's live session (white box).
func currentSession(t *testing.T, m *Manager, name string) *session {
	t.Helper()
	m.mu.Lock()
	p := m.providers[name]
	m.mu.Unlock()
	p.sem <- struct{}{}
	defer func() { <-p.sem }()
	if p.cur == nil || p.cur.cmd == nil {
		t.Fatalf("provider %s has no stdio session", name)
	}
	return p.cur
}

func kill(t *testing.T, s *session) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
}

func TestRestartOnce(t *testing.T) {
	m := newManager(t, doc([]config.MCPProvider{stdioDemo("demo")}, alias("tools", []string{"demo"})), nil)
	ctx := ctxTimeout(t, 30*time.Second)
	add := func() ([]tracing.Block, error) { return m.Call(ctx, "tools", "add", `{"a":2,"b":3}`) }
	if _, err := add(); err != nil {
		t.Fatal(err)
	}
	first := currentSession(t, m, "demo")
	kill(t, first)
	if blocks, err := add(); err != nil || blocks[0].Text != "5" {
		t.Fatalf("call after the first exit = %v, %v; want a restart and 5", blocks, err)
	}
	second := currentSession(t, m, "demo")
	if second.cmd.Process.Pid == first.cmd.Process.Pid {
		t.Fatal("the server was not restarted")
	}
	kill(t, second)
	_, err := add()
	if err == nil || !strings.Contains(err.Error(), "exited") || !strings.Contains(err.Error(), "restarted once") {
		t.Fatalf("call after the second exit: error = %v, want the server exited and was restarted once", err)
	}
	if _, err2 := add(); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("later call: error = %v, want %v", err2, err)
	}
}

func TestRestartDuringCall(t *testing.T) {
	m := newManager(t, doc([]config.MCPProvider{stdioDemo("demo")}, alias("tools", []string{"demo"})), nil)
	ctx := ctxTimeout(t, 30*time.Second)
	if _, err := m.Tools(ctx, "tools"); err != nil {
		t.Fatal(err)
	}
	s := currentSession(t, m, "demo")
	time.AfterFunc(200*time.Millisecond, func() { s.cmd.Process.Kill() })
	blocks, err := m.Call(ctx, "tools", "sleep", `{"seconds":0.5}`)
	if err != nil || blocks[0].Text != "slept 0.5 s" {
		t.Fatalf("call whose server exited = %v, %v; want it retried on the restarted server", blocks, err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	m := newManager(t, doc([]config.MCPProvider{stdioDemo("demo")}, alias("tools", []string{"demo"})), nil)
	ctx := ctxTimeout(t, 30*time.Second)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range 20 {
		wg.Go(func() {
			blocks, err := m.Call(ctx, "tools", "multiply", fmt.Sprintf(`{"a":%d,"b":3}`, i))
			if err == nil && blocks[0].Text != fmt.Sprint(3*i) {
				err = fmt.Errorf("multiply(%d, 3) = %q", i, blocks[0].Text)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Error(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.providers["demo"]; p.gen != 1 {
		t.Errorf("%d sessions were opened, want 1 shared", p.gen)
	}
}

func TestCloseStopsServers(t *testing.T) {
	m := NewManager(doc([]config.MCPProvider{stdioDemo("a"), stdioDemo("b")},
		alias("a", []string{"a"}), alias("b", []string{"b"})), nil, t.TempDir())
	ctx := ctxTimeout(t, 30*time.Second)
	var pids []int
	for _, a := range []string{"a", "b"} {
		if _, err := m.Tools(ctx, a); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, currentSession(t, m, a).cmd.Process.Pid)
	}
	within(t, 3*time.Second, func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still exists after Close (kill -0: %v)", pid, err)
		}
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := m.Call(ctx, "a", "add", `{"a":1,"b":2}`); err == nil {
		t.Error("Call after Close succeeded")
	}
}

func TestHTTPProviders(t *testing.T) {
	base := startHTTPDemo(t)
	for _, tt := range []struct{ typ, path string }{{TypeStreamableHTTP, "/mcp"}, {TypeSSE, "/sse"}} {
		t.Run(tt.typ, func(t *testing.T) {
			rec := newRecorder(t, base)
			provs := []config.MCPProvider{
				{Name: "env-key", ProviderType: tt.typ, Endpoint: rec.URL + tt.path, APIKey: "MCP_API_KEY"},
				{Name: "literal-key", ProviderType: tt.typ, Endpoint: rec.URL + tt.path, APIKey: "literal-token-1"},
			}
			m := newManager(t, doc(provs,
				alias("math", []string{"env-key"}, "add", "multiply"),
				alias("calc", []string{"env-key"}, "calculator"),
				alias("other", []string{"literal-key"}, "add")),
				map[string]string{"MCP_API_KEY": "env-token-2"})
			ctx := ctxTimeout(t, 30*time.Second)
			for _, a := range []string{"math", "calc", "math"} {
				if _, err := m.Tools(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			if n := rec.count("tools/list"); n != 1 {
				t.Errorf("tools/list was sent %d times for one provider, want 1", n)
			}
			blocks, err := m.Call(ctx, "math", "add", `{"a":2,"b":3}`)
			if err != nil || blocks[0].Text != "5" {
				t.Fatalf("add = %v, %v", blocks, err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 20)
			for i := range 20 {
				wg.Go(func() {
					blocks, err := m.Call(ctx, "calc", "calculator", fmt.Sprintf(`{"expression":"%d*2"}`, i))
					if err == nil && blocks[0].Text != fmt.Sprint(2*i) {
						err = fmt.Errorf("calculator(%d*2) = %q", i, blocks[0].Text)
					}
					errs[i] = err
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Error(err)
			}
			if _, err := m.Call(ctx, "other", "add", `{"a":1,"b":1}`); err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, h := range rec.authHeaders() {
				seen[h] = true
			}
			if !seen["Bearer env-token-2"] || !seen["Bearer literal-token-1"] || len(seen) != 2 {
				t.Errorf("Authorization headers = %v, want only Bearer env-token-2 and Bearer literal-token-1", seen)
			}
			if err := m.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}

func TestHTTPTimeout(t *testing.T) {
	base := startHTTPDemo(t)
	m := newManager(t, doc([]config.MCPProvider{{Name: "remote", ProviderType: TypeStreamableHTTP, Endpoint: base + "/mcp"}},
		alias("tools", []string{"remote"})), nil)
	if _, err := m.Tools(ctxTimeout(t, 30*time.Second), "tools"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var err error
	within(t, time.Second, func() { _, err = m.Call(ctx, "tools", "sleep", `{"seconds":5}`) })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want a timeout", err)
	}
	if _, err := m.Call(ctxTimeout(t, 10*time.Second), "tools", "fail", `{"message":"nope"}`); err == nil || err.Error() != "nope" {
		t.Errorf("fail error = %v, want nope", err)
	}
}

func TestStdioEnvAndRelativeCommand(t *testing.T) {
	// A command with a path separator resolves against baseDir, which is
	// also the server's working directory; env is added to the environment.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(demoBin, filepath.Join(dir, "bin", "demo-mcp")); err != nil {
		t.Fatal(err)
	}
	provs := []config.MCPProvider{
		{Name: "relative", ProviderType: TypeStdio, Command: "./bin/demo-mcp"},
		{Name: "env", ProviderType: TypeStdio, Command: "sh", Env: map[string]string{"DEMO_FLAG": "on"},
			Args: []string{"-c", `test "$DEMO_FLAG" = on && test -n "$PATH" && test -x bin/demo-mcp && exec bin/demo-mcp`}},
	}
	m := NewManager(doc(provs, alias("relative", []string{"relative"}, "add"), alias("env", []string{"env"}, "add")), nil, dir)
	defer m.Close()
	for _, a := range []string{"relative", "env"} {
		if _, err := m.Tools(ctxTimeout(t, 30*time.Second), a); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
}
