package review

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synthgen/synthgen/traceset"
	"github.com/synthgen/synthgen/tracing"
)

// testServer is a review server over a fresh copy of the fixture folder.
type testServer struct {
	t   *testing.T
	f   *traceset.Folder
	url string
}

func newTestServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	if opts.Folder == nil {
		opts.Folder = openFixture(t)
	}
	if opts.Reviewer == "" {
		opts.Reviewer = "tester"
	}
	if opts.Now == nil {
		var mu sync.Mutex
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		opts.Now = func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(time.Second)
			return now
		}
	}
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testServer{t: t, f: opts.Folder, url: srv.URL}
}

// do sends a request; headers are name, value pairs.
func (ts *testServer) do(method, path, body string, headers ...string) (*http.Response, []byte) {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.url+path, strings.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return resp, b
}

// getJSON GETs path, wants 200 and decodes the body into v.
func (ts *testServer) getJSON(path string, v any) {
	ts.t.Helper()
	resp, b := ts.do("GET", path, "")
	if resp.StatusCode != http.StatusOK {
		ts.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		ts.t.Fatalf("GET %s: %v\n%s", path, err, b)
	}
}

// postJSON POSTs v, wants 200 and decodes the body into out (may be nil).
func (ts *testServer) postJSON(path string, v, out any) {
	ts.t.Helper()
	body, _ := json.Marshal(v)
	resp, b := ts.do("POST", path, string(body))
	if resp.StatusCode != http.StatusOK {
		ts.t.Fatalf("POST %s %s: %d %s", path, body, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			ts.t.Fatalf("POST %s: %v\n%s", path, err, b)
		}
	}
}

// entries reads annotations.jsonl as written, line by line.
func (ts *testServer) entries() []traceset.Annotation {
	ts.t.Helper()
	var out []traceset.Annotation
	for _, line := range strings.Split(strings.TrimSpace(annotationsOf(ts.t, ts.f.Dir)), "\n") {
		if line == "" {
			continue
		}
		var a traceset.Annotation
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			ts.t.Fatalf("annotations.jsonl line %q: %v", line, err)
		}
		out = append(out, a)
	}
	return out
}

// hashOf is the trace hash of row's answer trace, read from the folder.
func hashOf(t *testing.T, f *traceset.Folder, row int64) string {
	t.Helper()
	for _, id := range f.Groups() {
		g, err := f.Group(id)
		if err != nil {
			t.Fatal(err)
		}
		for k, idx := range g.Indices {
			if idx == row {
				return traceset.TraceHash(g.Rows[k][g.Col("answer__trace")])
			}
		}
	}
	t.Fatalf("row %d not in the folder", row)
	return ""
}

func TestPageAndAssets(t *testing.T) {
	ts := newTestServer(t, Options{})
	tests := []struct {
		path, wantType, wantBody string
	}{
		{"/", "text/html; charset=utf-8", `<script src="/assets/app.js" defer></script>`},
		{"/report", "text/html; charset=utf-8", `id="report-view"`},
		{"/assets/app.js", "text/javascript; charset=utf-8", "textContent"},
		{"/assets/app.css", "text/css; charset=utf-8", "--pass"},
		{"/assets/favicon.svg", "image/svg+xml", "<svg"},
	}
	for _, tt := range tests {
		resp, b := ts.do("GET", tt.path, "")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.wantType || !strings.Contains(string(b), tt.wantBody) {
			t.Errorf("GET %s: %d %q, body has %q: %v", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.wantBody, strings.Contains(string(b), tt.wantBody))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", tt.path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", tt.path)
		}
	}
}

// The page never builds markup from strings, never loads anything from
// elsewhere, and runs no inline script (the CSP would block it anyway).
func TestAssetsAreSelfContained(t *testing.T) {
	err := fs.WalkDir(assets, "assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := assets.ReadFile(path)
		s := string(b)
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "https://", "http://cdn", "//cdn", "javascript:", " on" + "click=", "<script>", "style=\""} {
			if strings.Contains(s, bad) {
				t.Errorf("%s contains %q", path, bad)
			}
		}
		if strings.Contains(s, "http://") && !strings.Contains(path, ".svg") {
			t.Errorf("%s contains an http:// URL", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Only the methods and paths the server serves: 404 and 405 otherwise, and
// nothing written.
func TestUnknownPathsAndMethods(t *testing.T) {
	ts := newTestServer(t, Options{})
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/nope", 404},
		{"GET", "/api/nope", 404},
		{"GET", "/assets/nope.js", 404},
		{"GET", "/assets/index.html", 404},
		{"GET", "/assets/../server.go", 404},
		{"GET", "/api/", 404},
		{"POST", "/", 405},
		{"PUT", "/api/label", 405},
		{"DELETE", "/api/label", 405},
		{"GET", "/api/label", 405},
		{"GET", "/api/undo", 405},
		{"PUT", "/api/filter", 405},
		{"POST", "/api/trace", 405},
		{"POST", "/api/rows", 405},
		{"POST", "/api/state", 405},
		{"POST", "/api/report", 405},
		{"PATCH", "/assets/app.js", 405},
	}
	for _, tt := range tests {
		resp, b := ts.do(tt.method, tt.path, `{"row": 0, "column": "answer", "label": "pass"}`)
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s: %d, want %d (%s)", tt.method, tt.path, resp.StatusCode, tt.want, b)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s %s: no CSP on the error", tt.method, tt.path)
		}
	}
	if got := annotationsOf(t, ts.f.Dir); got != "" {
		t.Errorf("annotations written: %s", got)
	}
}

func TestStateRowsAndProgress(t *testing.T) {
	ts := newTestServer(t, Options{})
	var st stateResponse
	ts.getJSON("/api/state", &st)
	if st.Column != "answer" || st.Rows != fixtureRows || st.Reviewer != "tester" || st.Filter != "" {
		t.Errorf("state %+v", st)
	}
	want := Progress{Total: fixtureRows, Left: fixtureRows, FirstLeft: 0}
	if st.Progress != want {
		t.Errorf("progress %+v, want %+v", st.Progress, want)
	}

	var w rowsResponse
	ts.getJSON("/api/rows?offset=4&limit=3", &w)
	if w.Total != fixtureRows || w.Offset != 4 || len(w.Rows) != 3 || w.Rows[0].Row != 4 || w.Rows[2].Row != 6 || w.Index != -1 {
		t.Errorf("window %+v", w)
	}
	ts.getJSON("/api/rows?offset=10&limit=5", &w)
	if len(w.Rows) != 2 || w.Rows[1].Row != 11 {
		t.Errorf("last window %+v", w)
	}
	ts.getJSON("/api/rows?offset=99", &w)
	if len(w.Rows) != 0 || w.Offset != fixtureRows {
		t.Errorf("window past the end %+v", w)
	}
	ts.getJSON("/api/rows?around=7&limit=5", &w)
	if w.Index != 7 || w.Offset != 5 || w.Rows[2].Row != 7 {
		t.Errorf("around=7 %+v", w)
	}
	for _, q := range []string{"limit=0", "limit=1001", "offset=-1", "offset=x", "around=x"} {
		if resp, b := ts.do("GET", "/api/rows?"+q, ""); resp.StatusCode != 400 {
			t.Errorf("rows?%s: %d %s", q, resp.StatusCode, b)
		}
	}

	var p Progress
	ts.postJSON("/api/label", map[string]any{"row": 0, "column": "answer", "label": "pass"}, nil)
	ts.postJSON("/api/label", map[string]any{"row": 1, "column": "answer", "label": "fail"}, nil)
	ts.postJSON("/api/label", map[string]any{"row": 2, "column": "answer", "label": "defer"}, nil)
	ts.getJSON("/api/progress", &p)
	if want := (Progress{Total: fixtureRows, Left: fixtureRows - 3, Pass: 1, Fail: 1, Defer: 1, FirstLeft: 3}); p != want {
		t.Errorf("progress %+v, want %+v", p, want)
	}
	ts.getJSON("/api/rows?offset=0&limit=4", &w)
	if got := []string{w.Rows[0].Label, w.Rows[1].Label, w.Rows[2].Label, w.Rows[3].Label}; strings.Join(got, ",") != "pass,fail,defer," {
		t.Errorf("window labels %v", got)
	}
}

func TestTrace(t *testing.T) {
	ts := newTestServer(t, Options{})
	var tr traceResponse
	ts.getJSON("/api/trace?row=3", &tr)
	if tr.Row != 3 || tr.Column != "answer" || !tr.HasTrace || tr.Index != 3 || tr.Label != nil {
		t.Errorf("trace head %+v", tr)
	}
	if want := hashOf(t, ts.f, 3); tr.TraceHash != want {
		t.Errorf("trace_hash %s, want %s", tr.TraceHash, want)
	}
	roles := []string{}
	for _, m := range tr.Messages {
		roles = append(roles, m.Role)
	}
	// The tool message sits under its call, not in the list.
	if strings.Join(roles, ",") != "system,user,assistant,assistant" {
		t.Fatalf("roles %v", roles)
	}
	if !strings.Contains(tr.Messages[1].Text, injection) {
		t.Errorf("user text %q lacks the injection text verbatim", tr.Messages[1].Text)
	}
	call := tr.Messages[2]
	if call.Reasoning == "" || len(call.ToolCalls) != 1 {
		t.Fatalf("tool-calling message %+v", call)
	}
	c := call.ToolCalls[0]
	if c.Name != "add" || c.ID == "" || c.Result == nil || c.Result.Error || c.Result.Text == "" || c.Result.Latency == nil {
		t.Errorf("tool call %+v result %+v", c, c.Result)
	}
	if tr.Summary != (summaryView{Messages: 5, ToolCalls: 1, Turns: 1}) {
		t.Errorf("summary %+v", tr.Summary)
	}
	if _, ok := tr.Metadata["a"]; !ok || len(tr.Metadata) != 2 {
		t.Errorf("metadata %v", tr.Metadata)
	}
	if len(tr.Scores) != 1 || tr.Scores[0].Key != "grade.Accuracy" || tr.Scores[0].Score == nil {
		t.Errorf("scores %+v", tr.Scores)
	}
	if r := tr.Run; r == nil || len(r.Models) != 1 || r.Models[0] != "mock-agent-reasoning" || r.Requests != 2 || r.TotalTokens == 0 || r.Latency <= 0 {
		t.Errorf("run %+v", tr.Run)
	}

	tests := []struct {
		query string
		want  int
	}{
		{"row=999", 404},
		{"row=-1", 404},
		{"row=x", 400},
		{"", 400},
	}
	for _, tt := range tests {
		if resp, b := ts.do("GET", "/api/trace?"+tt.query, ""); resp.StatusCode != tt.want {
			t.Errorf("trace?%s: %d, want %d (%s)", tt.query, resp.StatusCode, tt.want, b)
		}
	}
}

// Bad label requests are 4xx and write nothing.
func TestLabelBadInput(t *testing.T) {
	ts := newTestServer(t, Options{})
	big := strings.Repeat("x", MaxNotes+1)
	tags := make([]string, MaxTags+1)
	for i := range tags {
		tags[i] = "t"
	}
	manyTags, _ := json.Marshal(tags)
	tests := []struct {
		name    string
		path    string
		body    string
		headers []string
		want    int
	}{
		{"unknown row", "/api/label", `{"row": 999, "column": "answer", "label": "pass"}`, nil, 400},
		{"negative row", "/api/label", `{"row": -1, "column": "answer", "label": "pass"}`, nil, 400},
		{"no row", "/api/label", `{"column": "answer", "label": "pass"}`, nil, 400},
		{"row not a number", "/api/label", `{"row": "0", "column": "answer", "label": "pass"}`, nil, 400},
		{"bad label", "/api/label", `{"row": 0, "column": "answer", "label": "maybe"}`, nil, 400},
		{"label case", "/api/label", `{"row": 0, "column": "answer", "label": "PASS"}`, nil, 400},
		{"other column", "/api/label", `{"row": 0, "column": "grade", "label": "pass"}`, nil, 400},
		{"no column", "/api/label", `{"row": 0, "label": "pass"}`, nil, 400},
		{"oversized note", "/api/label", `{"row": 0, "column": "answer", "label": "fail", "notes": "` + big + `"}`, nil, 400},
		{"too many tags", "/api/label", `{"row": 0, "column": "answer", "label": "fail", "tags": ` + string(manyTags) + `}`, nil, 400},
		{"long tag", "/api/label", `{"row": 0, "column": "answer", "label": "fail", "tags": ["` + strings.Repeat("t", MaxTagLen+1) + `"]}`, nil, 400},
		{"empty tag", "/api/label", `{"row": 0, "column": "answer", "label": "fail", "tags": [" "]}`, nil, 400},
		{"control tag", "/api/label", `{"row": 0, "column": "answer", "label": "fail", "tags": ["a\u0007"]}`, nil, 400},
		{"unknown field", "/api/label", `{"row": 0, "column": "answer", "label": "pass", "trace_hash": "x"}`, nil, 400},
		{"not JSON", "/api/label", `row=0&label=pass`, nil, 400},
		{"two values", "/api/label", `{"row": 0, "column": "answer", "label": "pass"} {}`, nil, 400},
		{"body too large", "/api/label", `{"row": 0, "column": "answer", "label": "fail", "notes": "` + strings.Repeat("x", maxBody) + `"}`, nil, 413},
		{"form post", "/api/label", `{"row": 0, "column": "answer", "label": "pass"}`, []string{"Content-Type", "text/plain"}, 415},
		{"cross-origin", "/api/label", `{"row": 0, "column": "answer", "label": "pass"}`, []string{"Origin", "http://evil.example"}, 403},
		{"cross-site fetch", "/api/label", `{"row": 0, "column": "answer", "label": "pass"}`, []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"rebinding host", "/api/label", `{"row": 0, "column": "answer", "label": "pass"}`, []string{"Host", "evil.example:7860"}, 421},
		{"undo with a body", "/api/undo", `{"row": 0}`, nil, 400},
		{"undo form post", "/api/undo", `{}`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
		{"undo, nothing done", "/api/undo", `{}`, nil, 409},
		{"filter unknown field", "/api/filter", `{"filter": "", "x": 1}`, nil, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := ts.do("POST", tt.path, tt.body, tt.headers...)
			if resp.StatusCode != tt.want {
				t.Errorf("%d, want %d: %s", resp.StatusCode, tt.want, b)
			}
			var e apiError
			if json.Unmarshal(b, &e) != nil || e.Error == "" {
				t.Errorf("error body %s", b)
			}
		})
	}
	if got := annotationsOf(t, ts.f.Dir); got != "" {
		t.Errorf("annotations written:\n%s", got)
	}
	// The same server still takes a good label.
	ts.postJSON("/api/label", map[string]any{"row": 0, "column": "answer", "label": "pass", "tags": []string{" ok "}}, nil)
	if e := ts.entries(); len(e) != 1 || e[0].Label != "pass" || len(e[0].Tags) != 1 || e[0].Tags[0] != "ok" {
		t.Errorf("entries %+v", e)
	}
}

func TestLabelAndUndo(t *testing.T) {
	ts := newTestServer(t, Options{})
	var lr labelResponse
	ts.postJSON("/api/label", map[string]any{"row": 4, "column": "answer", "label": "fail", "notes": "wrong sum <b>", "tags": []string{"math"}}, &lr)
	if lr.Row != 4 || lr.Index != 4 || lr.Label == nil || lr.Label.Label != "fail" || lr.Label.Stale || lr.Progress.Fail != 1 || lr.Progress.Left != fixtureRows-1 {
		t.Errorf("label response %+v %+v", lr, lr.Label)
	}
	ts.postJSON("/api/label", map[string]any{"row": 4, "column": "answer", "label": "pass"}, nil)
	ts.postJSON("/api/label", map[string]any{"row": 5, "column": "answer", "label": "defer", "notes": "ask Ana"}, nil)

	// Undo restores, newest first: row 5 had nothing, row 4 had the fail.
	ts.postJSON("/api/undo", struct{}{}, &lr)
	if lr.Row != 5 || lr.Label == nil || lr.Label.Label != "" || lr.Progress.Defer != 0 || lr.Progress.Pass != 1 {
		t.Errorf("first undo %+v %+v", lr, lr.Label)
	}
	ts.postJSON("/api/undo", struct{}{}, &lr)
	if lr.Row != 4 || lr.Label.Label != "fail" || lr.Label.Notes != "wrong sum <b>" || lr.Progress.Fail != 1 || lr.Progress.Pass != 0 {
		t.Errorf("second undo %+v %+v", lr, lr.Label)
	}
	var tr traceResponse
	ts.getJSON("/api/trace?row=4", &tr)
	if tr.Label == nil || tr.Label.Label != "fail" || tr.Label.Tags[0] != "math" {
		t.Errorf("row 4 after undo: %+v", tr.Label)
	}
	ts.postJSON("/api/undo", struct{}{}, &lr)
	if lr.Row != 4 || lr.Label.Label != "" || lr.Progress.Left != fixtureRows {
		t.Errorf("third undo %+v %+v", lr, lr.Label)
	}
	if resp, _ := ts.do("POST", "/api/undo", "{}"); resp.StatusCode != http.StatusConflict {
		t.Errorf("undo with nothing left: %d", resp.StatusCode)
	}

	h4, h5 := hashOf(t, ts.f, 4), hashOf(t, ts.f, 5)
	type entry struct {
		row          int64
		label, notes string
		hash         string
	}
	want := []entry{
		{4, "fail", "wrong sum <b>", h4},
		{4, "pass", "", h4},
		{5, "defer", "ask Ana", h5},
		{5, "", "", h5},
		{4, "fail", "wrong sum <b>", h4},
		{4, "", "", h4},
	}
	got := ts.entries()
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d:\n%s", len(got), len(want), annotationsOf(t, ts.f.Dir))
	}
	for i, w := range want {
		g := got[i]
		if g.Row != w.row || g.Label != w.label || g.Notes != w.notes || g.TraceHash != w.hash || g.Column != "answer" || g.Reviewer != "tester" || g.TS.IsZero() {
			t.Errorf("entry %d: %+v, want %+v", i, g, w)
		}
		if i > 0 && !g.TS.After(got[i-1].TS) {
			t.Errorf("entry %d: ts %v not after %v", i, g.TS, got[i-1].TS)
		}
	}
	// What the server holds is what a reader of the file gets.
	latest, bad, err := traceset.ReadAnnotations(ts.f.Dir)
	if err != nil || bad != 0 || latest[traceset.Key{Row: 4, Column: "answer"}].Label != "" {
		t.Errorf("ReadAnnotations: %v, %d bad, %+v", err, bad, latest)
	}
}

// A label whose trace hash differs from the trace's is stale: shown as
// such, counted as left, and a new label clears it.
func TestStaleLabels(t *testing.T) {
	f := openFixture(t)
	old := traceset.Annotation{Row: 2, Column: "answer", TraceHash: "sha256:000000000000000000000000", Label: "pass", Reviewer: "earlier", TS: time.Now()}
	cur := traceset.Annotation{Row: 3, Column: "answer", TraceHash: hashOf(t, f, 3), Label: "fail", Reviewer: "earlier", TS: time.Now()}
	for _, a := range []traceset.Annotation{old, cur} {
		if err := traceset.AppendAnnotation(f.Dir, a); err != nil {
			t.Fatal(err)
		}
	}
	ts := newTestServer(t, Options{Folder: f})
	var p Progress
	ts.getJSON("/api/progress", &p)
	if want := (Progress{Total: fixtureRows, Left: fixtureRows - 1, Fail: 1, Stale: 1, FirstLeft: 0}); p != want {
		t.Errorf("progress %+v, want %+v", p, want)
	}
	var tr traceResponse
	ts.getJSON("/api/trace?row=2", &tr)
	if tr.Label == nil || !tr.Label.Stale || tr.Label.Label != "pass" || tr.Label.TraceHash == tr.TraceHash {
		t.Errorf("row 2 label %+v", tr.Label)
	}
	ts.getJSON("/api/trace?row=3", &tr)
	if tr.Label == nil || tr.Label.Stale {
		t.Errorf("row 3 label %+v", tr.Label)
	}
	var w rowsResponse
	ts.getJSON("/api/rows?offset=2&limit=2", &w)
	if !w.Rows[0].Stale || w.Rows[1].Stale {
		t.Errorf("window %+v", w.Rows)
	}
	var lr labelResponse
	ts.postJSON("/api/label", map[string]any{"row": 2, "column": "answer", "label": "pass"}, &lr)
	if lr.Label.Stale || lr.Progress.Stale != 0 || lr.Progress.Pass != 1 {
		t.Errorf("relabelled: %+v %+v", lr.Label, lr.Progress)
	}
	// Undo brings the stale label back, stale.
	ts.postJSON("/api/undo", struct{}{}, &lr)
	if !lr.Label.Stale || lr.Label.TraceHash != old.TraceHash || lr.Progress.Stale != 1 {
		t.Errorf("undone: %+v %+v", lr.Label, lr.Progress)
	}
}

func TestFilter(t *testing.T) {
	ts := newTestServer(t, Options{})
	var fr filterResponse
	ts.postJSON("/api/filter", map[string]string{"filter": `eq(run_type, "tool")`}, &fr)
	if fr.Filter != `eq(run_type, "tool")` || fr.Progress.Total != fixtureRows {
		t.Errorf("every row calls a tool: %+v", fr)
	}
	// Labels are feedback "human": 1 for pass, 0 for fail.
	ts.postJSON("/api/label", map[string]any{"row": 6, "column": "answer", "label": "pass"}, nil)
	ts.postJSON("/api/label", map[string]any{"row": 8, "column": "answer", "label": "fail"}, nil)
	ts.postJSON("/api/filter", map[string]string{"filter": `and(eq(feedback_key, "human"), eq(feedback_score, 1))`}, &fr)
	if fr.Progress.Total != 1 || fr.Progress.Pass != 1 || fr.Progress.Left != 0 || fr.Progress.FirstLeft != -1 {
		t.Errorf("human pass filter: %+v", fr.Progress)
	}
	var w rowsResponse
	ts.getJSON("/api/rows", &w)
	if len(w.Rows) != 1 || w.Rows[0].Row != 6 {
		t.Errorf("rows %+v", w.Rows)
	}
	var tr traceResponse
	ts.getJSON("/api/trace?row=8", &tr) // outside the list, still served
	if tr.Index != -1 {
		t.Errorf("row 8 index %d", tr.Index)
	}

	// A bad filter says where, and leaves the list as it was.
	resp, b := ts.do("POST", "/api/filter", `{"filter": "eq(run_typ, \"tool\")"}`)
	var e apiError
	if resp.StatusCode != 400 || json.Unmarshal(b, &e) != nil || e.Column != 4 || !strings.Contains(e.Error, `did you mean "run_type"`) {
		t.Errorf("bad filter: %d %s", resp.StatusCode, b)
	}
	resp, b = ts.do("POST", "/api/filter", `{"filter": "`+strings.Repeat(" ", MaxFilterLen+1)+`x"}`)
	if resp.StatusCode != 400 {
		t.Errorf("long filter: %d %s", resp.StatusCode, b)
	}
	ts.getJSON("/api/filter", &fr)
	if fr.Progress.Total != 1 || !strings.Contains(fr.Filter, "human") {
		t.Errorf("after bad filters: %+v", fr)
	}
	ts.postJSON("/api/filter", map[string]string{"filter": ""}, &fr)
	if fr.Progress.Total != fixtureRows {
		t.Errorf("cleared: %+v", fr.Progress)
	}

	// New takes a filter too, and reports a bad one with its column.
	_, err := New(Options{Folder: ts.f, Filter: `eq(name, `})
	var fe *FilterError
	if !errors.As(err, &fe) || fe.Col == 0 {
		t.Errorf("New with a bad filter: %v", err)
	}
	h, err := New(Options{Folder: ts.f, Filter: `and(eq(feedback_key, "human"), eq(feedback_score, 0))`})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/progress", nil)
	req.Host = "127.0.0.1"
	h.ServeHTTP(rec, req)
	var p Progress
	if json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Total != 1 || p.Fail != 1 {
		t.Errorf("New with a filter: %s", rec.Body)
	}
}

func TestReportEndpoint(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.postJSON("/api/label", map[string]any{"row": 0, "column": "answer", "label": "pass"}, nil)
	ts.postJSON("/api/label", map[string]any{"row": 1, "column": "answer", "label": "fail"}, nil)
	var rep Report
	ts.getJSON("/api/report", &rep)
	if rep.Column != "answer" || rep.Rows != fixtureRows || rep.Pass != 1 || rep.Fail != 1 || rep.Unlabelled != fixtureRows-2 || len(rep.Judges) != 1 {
		t.Errorf("report %+v", rep)
	}
	if a := rep.Judges[0]; a.Key != "grade.Accuracy" || a.PassScore != 3 || a.HumanPass != 1 || a.HumanFail != 1 || a.Agreement == nil {
		t.Errorf("agreement %+v", a)
	}
}

// Tool calls are paired with their results in order, even when ids repeat
// across turns; errors are flagged by prefix and by the tool span.
func TestViewMessages(t *testing.T) {
	call := func(id, name string) tracing.ToolCall {
		return tracing.ToolCall{ID: id, Function: tracing.FunctionCall{Name: name, Arguments: `{"x":1}`}}
	}
	asst := func(calls ...tracing.ToolCall) tracing.Message {
		return tracing.Message{Role: tracing.RoleAssistant, ToolCalls: calls}
	}
	msgs := []tracing.Message{
		tracing.Text(tracing.RoleUser, "go"),
		asst(call("call_1", "add"), call("call_2", "fail")),
		tracing.ToolResult("call_2", "Error: fail failed: boom"),
		tracing.ToolResult("call_1", "3"),
		asst(call("call_1", "search")), // the id again, next turn
		tracing.ToolResult("call_1", "found"),
		tracing.ToolResult("call_9", "Tool call refused: unknown tool"), // nobody's
		asst(call("call_3", "slow")),                                    // no result
		tracing.Text(tracing.RoleAssistant, "done"),
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tools := []tracing.Span{
		{ID: "s1", RunType: "tool", StartTime: t0, Latency: 0.1},
		{ID: "s2", RunType: "tool", StartTime: t0.Add(time.Millisecond), Latency: 0.2},
		{ID: "s3", RunType: "tool", StartTime: t0.Add(2 * time.Millisecond), Latency: 0.3, Tags: []string{tracing.TagToolError}, Status: tracing.SpanError},
		{ID: "s4", RunType: "tool", StartTime: t0.Add(3 * time.Millisecond), Latency: 0.4},
	}
	views, sum := viewMessages(msgs, tools)
	if len(views) != 6 { // user, asst, asst, unclaimed tool, asst, asst
		t.Fatalf("%d views: %+v", len(views), views)
	}
	first := views[1].ToolCalls
	if first[0].Result == nil || first[0].Result.Text != "3" || first[0].Result.Error ||
		first[1].Result == nil || !first[1].Result.Error || *first[1].Result.Latency != 0.2 {
		t.Errorf("first turn: %+v / %+v", first[0].Result, first[1].Result)
	}
	second := views[2].ToolCalls[0]
	if second.Result == nil || second.Result.Text != "found" || !second.Result.Error || *second.Result.Latency != 0.3 {
		t.Errorf("second turn (span says tool_error): %+v", second.Result)
	}
	if v := views[3]; v.Role != "tool" || !v.Error || v.ToolCallID != "call_9" {
		t.Errorf("unclaimed tool message %+v", v)
	}
	if views[4].ToolCalls[0].Result != nil {
		t.Errorf("call without result: %+v", views[4].ToolCalls[0].Result)
	}
	if sum != (summaryView{Messages: 9, ToolCalls: 4, Turns: 3, ToolErrors: 2}) {
		t.Errorf("summary %+v", sum)
	}
}

func TestHostCheck(t *testing.T) {
	ts := newTestServer(t, Options{Hosts: []string{"review.lan"}})
	tests := []struct {
		host string
		want int
	}{
		{"127.0.0.1:7860", 200},
		{"localhost:7860", 200},
		{"[::1]:7860", 200},
		{"192.168.1.5", 200},
		{"review.lan:7860", 200},
		{"evil.example", 421},
		{"localhost.evil.example", 421},
	}
	for _, tt := range tests {
		if resp, b := ts.do("GET", "/api/state", "", "Host", tt.host); resp.StatusCode != tt.want {
			t.Errorf("Host %s: %d, want %d (%s)", tt.host, resp.StatusCode, tt.want, bytes.TrimSpace(b))
		}
	}
}
