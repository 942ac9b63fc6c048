package mcp

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synthgen/synthgen/config"
)

// demoBin is the demo MCP server, built once for the package by TestMain.
var demoBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "synthgen-mcp-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go env GOMOD:", err)
		return 1
	}
	demoBin = filepath.Join(dir, "demo-mcp")
	build := exec.Command("go", "build", "-o", demoBin, "./examples/demo-mcp")
	build.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the demo MCP server: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// stdioDemo is a stdio provider running the demo server with its test tools.
func stdioDemo(name string) config.MCPProvider {
	return config.MCPProvider{Name: name, ProviderType: TypeStdio, Command: demoBin, Args: []string{"--test-tools"}}
}

// doc is a config with these providers and tool aliases.
func doc(providers []config.MCPProvider, tools ...config.ToolConfig) *config.Document {
	return &config.Document{MCPProviders: providers, ToolConfigs: tools}
}

func alias(name string, providers []string, allow ...string) config.ToolConfig {
	return config.ToolConfig{ToolAlias: name, Providers: providers, AllowTools: allow}
}

// newManager returns a manager closed at the end of the test.
func newManager(t *testing.T, d *config.Document, env map[string]string) *Manager {
	t.Helper()
	m := NewManager(d, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, t.TempDir())
	t.Cleanup(func() { m.Close() })
	return m
}

// startHTTPDemo runs the demo server with --http on a free loopback port
// and returns its base URL (http://127.0.0.1:PORT).
func startHTTPDemo(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(demoBin, "--test-tools", "--http", "127.0.0.1:0")
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
	go io.Copy(io.Discard, stderr) // owned by cmd: ends when it exits
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if base == "" {
		t.Fatalf("no address in %q", line)
	}
	return base
}

// recorder is a reverse proxy in front of a server that records the
// Authorization headers and the JSON-RPC methods it forwards.
type recorder struct {
	*httptest.Server
	mu      sync.Mutex
	auth    []string
	methods []string
}

func newRecorder(t *testing.T, target string) *recorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.FlushInterval = -1 // stream SSE as it comes
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		r.mu.Lock()
		r.auth = append(r.auth, req.Header.Get("Authorization"))
		for _, m := range regexp.MustCompile(`"method":"([^"]+)"`).FindAllSubmatch(body, -1) {
			r.methods = append(r.methods, string(m[1]))
		}
		r.mu.Unlock()
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) authHeaders() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auth...)
}

func (r *recorder) count(method string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.methods {
		if m == method {
			n++
		}
	}
	return n
}

// within fails the test when f takes longer than d.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	start := time.Now()
	f()
	if took := time.Since(start); took > d {
		t.Errorf("took %v, want at most %v", took, d)
	}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
