//go:build interop

// Package interop holds the tier that talks to a real llama.cpp llama-server
// running a tiny random-weight Qwen2 GGUF (see README.md). It is built only with
// -tags interop, and it fails (never skips) when the server binary is missing:
// the tier runs only when asked for.
package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ModelAlias is the model name llama-server reports (and accepts) for the tiny GGUF.
const ModelAlias = "tiny-qwen2"

// nodeLlamaCppVersion must match NODE_LLAMA_CPP_VERSION in build-llama-server.sh.
const nodeLlamaCppVersion = "3.22.1"

var (
	modelOnce sync.Once
	modelPath string
	modelErr  error
	modelDir  string // removed by TestMain
)

func TestMain(m *testing.M) {
	code := m.Run()
	if modelDir != "" {
		os.RemoveAll(modelDir)
	}
	os.Exit(code)
}

// interopDir is this package's source directory (where the scripts are).
func interopDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Dir(file)
}

// cacheDir mirrors the default of build-llama-server.sh.
func cacheDir() string {
	if d := os.Getenv("SYNTHGEN_LLAMA_CACHE"); d != "" {
		return d
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "synthgen", "llama-server", "node-llama-cpp-"+nodeLlamaCppVersion)
}

// LlamaServerBinary returns the llama-server path: $SYNTHGEN_LLAMA_SERVER, else the
// build script's cache path. It fails the test when the binary is absent.
func LlamaServerBinary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("SYNTHGEN_LLAMA_SERVER")
	from := "SYNTHGEN_LLAMA_SERVER"
	if bin == "" {
		bin = filepath.Join(cacheDir(), "llama-server")
		from = "the build cache"
	}
	if st, err := os.Stat(bin); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		t.Fatalf("llama-server not found at %s (from %s): build it first with "+
			"`bash interop/build-llama-server.sh` (about 7 minutes on 2 cores), "+
			"or set SYNTHGEN_LLAMA_SERVER to a llama-server binary", bin, from)
	}
	return bin
}

// llamaSrc is the llama.cpp checkout that make-tiny-gguf.py reads (vocab, gguf-py).
func llamaSrc(bin string) string {
	if d := os.Getenv("SYNTHGEN_LLAMA_SRC"); d != "" {
		return d
	}
	if d := filepath.Join(filepath.Dir(bin), "src"); dirExists(d) {
		return d
	}
	return filepath.Join(cacheDir(), "src")
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// pythonWithNumpy returns $SYNTHGEN_PYTHON, else the first python3 that imports numpy.
func pythonWithNumpy() (string, error) {
	if p := os.Getenv("SYNTHGEN_PYTHON"); p != "" {
		return p, nil
	}
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import numpy").Run() == nil {
			return p, nil
		}
	}
	return "", errors.New("no python3 with numpy (python3, /usr/bin/python3); " +
		"`bash interop/build-llama-server.sh` installs Debian's python3-numpy, or set SYNTHGEN_PYTHON")
}

// TinyModel returns the path of the tiny GGUF: $SYNTHGEN_TINY_GGUF, else one made
// once per test binary by make-tiny-gguf.py in a temporary dir.
func TinyModel(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("SYNTHGEN_TINY_GGUF"); p != "" {
		return p
	}
	bin := LlamaServerBinary(t)
	modelOnce.Do(func() {
		py, err := pythonWithNumpy()
		if err != nil {
			modelErr = err
			return
		}
		modelDir, err = os.MkdirTemp("", "synthgen-interop-")
		if err != nil {
			modelErr = err
			return
		}
		out := filepath.Join(modelDir, "tiny-qwen2.gguf")
		cmd := exec.Command(py, filepath.Join(interopDir(), "make-tiny-gguf.py"), out, "--llama-src", llamaSrc(bin))
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Run(); err != nil {
			modelErr = fmt.Errorf("make-tiny-gguf.py: %v\n%s", err, buf.String())
			return
		}
		modelPath = out
	})
	if modelErr != nil {
		t.Fatalf("building the tiny GGUF: %v", modelErr)
	}
	return modelPath
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartLlamaServer starts llama-server on the tiny model on a free loopback port,
// waits until GET /health answers 200, and returns the base URL without a path
// ("http://127.0.0.1:PORT"; the OpenAI-compatible API is under /v1). The server
// is stopped (killed and reaped) when the test ends. Extra llama-server flags may
// be appended.
func StartLlamaServer(t testing.TB, extraArgs ...string) (baseURL string) {
	t.Helper()
	bin := LlamaServerBinary(t)
	model := TinyModel(t)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // the free port can be taken in between
		url, err := startOnce(t, bin, model, extraArgs)
		if err == nil {
			return url
		}
		lastErr = err
	}
	t.Fatalf("starting llama-server: %v", lastErr)
	return ""
}

func startOnce(t testing.TB, bin, model string, extraArgs []string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	args := []string{
		"-m", model, "--alias", ModelAlias,
		"--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--jinja", "-c", "2048", "-np", "2", "-n", "64", "-t", "2",
	}
	args = append(args, extraArgs...)
	logf, err := os.Create(filepath.Join(t.TempDir(), "llama-server.log"))
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return "", err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
		logf.Close()
	}
	logTail := func() string {
		b, _ := os.ReadFile(logf.Name())
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		return string(b)
	}

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-exited:
			stop()
			return "", fmt.Errorf("llama-server %s exited before becoming healthy; log tail:\n%s", strings.Join(args, " "), logTail())
		default:
		}
		if ok := healthy(client, base); ok {
			break
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("llama-server not healthy after 90s; log tail:\n%s", logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("llama-server log tail:\n%s", logTail())
		}
	})
	return base, nil
}

func healthy(client *http.Client, base string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/health", nil)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
