package review

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/synthgen/synthgen/internal/npmtest"
)

// playwrightCore is the npm package the browser test drives Chromium with,
// pinned so CI and laptops run the same driver. Only the driver is
// installed: the browser is Debian's chromium.
const playwrightCore = "playwright-core@1.65.1"

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// TestReviewInBrowser labels traces with the keyboard in headless Chromium
// and checks what annotations.jsonl holds and what the page shows, then
// that the script-injection text of the fixture's traces ran nothing and
// shows as text. It needs Node.js and Chromium (.ci/run installs both);
// playwright-core is installed on first use (see playwrightDir).
func TestReviewInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s is missing: this test drives headless Chromium (on Debian/Ubuntu: sudo apt-get install -y chromium; .ci/run does it)", chromiumPath)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not on PATH: this test drives Chromium through Node.js " +
			"(install Node.js 18+; the test then runs `npm install " + playwrightCore + "` itself)")
	}
	moduleDir := playwrightDir(t)
	ts := serve(t, Options{Folder: openFixture(t), Reviewer: "browser"})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("testdata", "review_browser.cjs"), moduleDir, ts.url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node review_browser.cjs: %v\n%s", err, stderr.String())
	}
	var got struct {
		PageErrors []string
		External   []string
		Steps      map[string]any
		Injection  struct {
			Pwned                              string
			Scripts                            []string
			Images, Iframes, JsLinks, Handlers int
			UserText                           string
			CodeKeywords                       []string
			ToolCalls, Results                 int
		}
		Report string
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("decoding the script's output: %v\n%s", err, raw)
	}
	t.Logf("page: %s", raw)

	// annotations.jsonl holds exactly: the fail with its note on row 0, the
	// undo restoring row 0 (no label before), the pass on row 1.
	entries := ts.entries()
	type entry struct {
		row          int64
		label, notes string
	}
	want := []entry{{0, "fail", "the sum is wrong: 2+2 is not 5"}, {0, "", ""}, {1, "pass", ""}}
	if len(entries) != len(want) {
		t.Fatalf("%d entries, want %d:\n%s", len(entries), len(want), annotationsOf(t, ts.f.Dir))
	}
	for i, w := range want {
		e := entries[i]
		if e.Row != w.row || e.Label != w.label || e.Notes != w.notes || e.Column != "answer" || e.Reviewer != "browser" || e.TraceHash != hashOf(t, ts.f, w.row) {
			t.Errorf("entry %d: %+v, want %+v", i, e, w)
		}
	}

	steps := got.Steps
	checks := []struct{ step, want string }{
		{"start", "Row 0"},
		{"afterSave", "Row 1"},
		{"afterUndo", "Row 0"},
		{"notesAfterUndo", ""},
		{"progress", "11 of 12 left 1 pass 0 fail 0 defer 0 stale"},
		{"filterFocused", "filter"},
		{"afterEscape", "Row 1"},
	}
	for _, c := range checks {
		if s, _ := steps[c.step].(string); s != c.want {
			t.Errorf("%s: page shows %q, want %q", c.step, s, c.want)
		}
	}
	if s, _ := steps["failSelected"].(string); !strings.Contains(s, "on") {
		t.Errorf("after 2 the Fail button is %q, want it on", s)
	}
	if s, _ := steps["progressAfterSave"].(string); !strings.Contains(s, "11 of 12 left") || !strings.Contains(s, "1 fail") {
		t.Errorf("after Ctrl+Enter: progress %q", s)
	}
	if s, _ := steps["filterError"].(string); !strings.Contains(s, "column 4") || !strings.Contains(s, "\n   ^") {
		t.Errorf("filter error %q: want the column and a caret under it", s)
	}
	if strip, _ := steps["strip"].([]any); len(strip) < 3 || strip[0] != "0:" || strip[1] != "1:pass" || strip[2] != "2:here" {
		t.Errorf("row strip %v", strip)
	}
	if !strings.Contains(got.Report, "1 pass 0 fail 0 defer 0 stale (trace changed) 11 unlabelled") {
		t.Errorf("report view %q", got.Report)
	}

	inj := got.Injection
	if inj.Pwned != "undefined" {
		t.Errorf("window.__pwned is %s: script from a trace ran", inj.Pwned)
	}
	if !slices.Equal(inj.Scripts, []string{"/assets/app.js"}) || inj.Images != 0 || inj.Iframes != 0 || inj.JsLinks != 0 || inj.Handlers != 0 {
		t.Errorf("elements from the data: scripts %v, %d images, %d frames, %d links, %d inline handlers", inj.Scripts, inj.Images, inj.Iframes, inj.JsLinks, inj.Handlers)
	}
	if !strings.Contains(inj.UserText, injection) {
		t.Errorf("the injection text is not shown as text: %q", inj.UserText)
	}
	if !slices.Contains(inj.CodeKeywords, "print") && !slices.Contains(inj.CodeKeywords, "# the sum") {
		t.Errorf("the system prompt's python block is not highlighted: %v", inj.CodeKeywords)
	}
	if inj.ToolCalls != 1 || inj.Results != 1 {
		t.Errorf("%d tool calls and %d results shown, want 1 and 1", inj.ToolCalls, inj.Results)
	}
	if len(got.PageErrors) > 0 || len(got.External) > 0 {
		t.Errorf("page errors %v, external requests %v", got.PageErrors, got.External)
	}
}

// serve runs a review server on a loopback port until the test ends.
func serve(t *testing.T, opts Options) *testServer {
	t.Helper()
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serving: %v", err)
		}
	})
	return &testServer{t: t, f: opts.Folder, url: "http://" + ln.Addr().String()}
}

// playwrightDir returns a directory whose node_modules holds
// playwrightCore ($SYNTHGEN_PLAYWRIGHT_DIR, or the user cache; installed on
// first use, without a browser download).
func playwrightDir(t *testing.T) string {
	return npmtest.ModuleDir(t, playwrightCore, "SYNTHGEN_PLAYWRIGHT_DIR", "playwright-core", "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
}
