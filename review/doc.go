// Package review is the trace review web app (spec/trace-toolkit.md,
// "Review"): a local page that shows a dataset folder's traces one at a
// time and writes people's pass / fail / defer labels to the folder's
// annotations.jsonl, and the report that compares those labels with the
// folder's llm-judge scores.
//
//	f, _ := traceset.Open(dir)
//	h, err := review.New(review.Options{Folder: f, Column: "answer", Reviewer: "ana"})
//	srv := &http.Server{Addr: "127.0.0.1:7860", Handler: h}
//
//	rep, _ := review.BuildReport(f, "answer", labels, review.ReportOptions{})
//	rep.WriteText(os.Stdout)
//
// # Endpoints
//
// Everything is served from the binary (assets/ is embedded); the page
// makes no other request. JSON in and out; errors are {"error": "...",
// "column": N} (column: of a filter error) with a 4xx or 5xx status. A
// known path asked with another method is 405, any other path 404.
//
//	GET  /, /report        the page (review and report views)
//	GET  /assets/{name}    app.js, app.css, favicon.svg
//	GET  /api/state        column, filter, reviewer, folder rows, progress, limits
//	GET  /api/progress     {total, left, pass, fail, defer, stale, first_left}
//	GET  /api/rows         ?offset=&limit= (≤ 1000) or ?around=ROW: a window of the
//	                       list under review, [{row, label, stale}], never the whole list
//	GET  /api/trace?row=N  one trace: messages (tool calls paired with their results,
//	                       tool errors flagged, reasoning), badges (sampler values,
//	                       judge scores, model, latency, tokens, tags), trace_hash,
//	                       the current label and whether it is stale
//	POST /api/label        {row, column, label: pass|fail|defer|"", notes, tags}
//	POST /api/undo         {}: restores what the last label replaced
//	GET  /api/filter       the current filter
//	POST /api/filter       {filter}: replaces the list (400 with the column on error)
//	GET  /api/report       the Report of the folder's current labels
//
// # Contracts
//
// The list under review is the folder's written rows (from metadata.json,
// failures.jsonl and the row-group files' footers; no data is read), or,
// with a filter, the rows some span of whose trace passes it — computed
// once when the filter is set, holding only row ids, so it does not change
// while labels are added. Left counts the rows without a current label
// (none, cleared or stale).
//
// A label is validated before anything is written (a written row of the
// folder, the reviewed column, a known label, notes ≤ MaxNotes bytes, at
// most MaxTags tags of MaxTagLen bytes, a body ≤ 64 KiB of JSON with no
// unknown fields) and appended with traceset.AppendAnnotation under the
// server's mutex, with the trace hash of the trace as written; a label
// whose hash differs from the trace's is stale. Undo is per server: each
// label action remembers the entry it replaced, and undo appends that
// entry again (a cleared label, "", when there was none) — the file stays
// append-only.
//
// Model output is untrusted. The page builds its DOM with createElement
// and textContent only; code is highlighted by a small tokenizer that
// emits text nodes; links in traces are never clickable and images are
// shown as their URL, never loaded. Responses carry a Content-Security-
// Policy of default-src 'self' (no inline script), nosniff, frame-ancestors
// 'none'. The server answers only to localhost, IP literals and
// Options.Hosts (DNS rebinding), and refuses writes whose Origin or
// Sec-Fetch-Site is another site, or whose Content-Type is not JSON.
//
// Serving a trace reads its row group (the last two are cached) and the
// group's span log; nothing holds the whole dataset.
//
// # Report
//
// BuildReport counts the labels of a column and, for each llm-judge score,
// compares the judge with the people on the rows labelled pass or fail
// (stale and deferred labels left out): the true-positive rate is the
// share of human passes the judge passed, the true-negative rate the share
// of human fails it failed. A judge score passes when it is at or above a
// threshold: ReportOptions.PassScore, else the midpoint of the score's
// numeric options in builder_config.json (3 for 1..5, 0.5 for 0/1).
//
// Imports: traceset, tracing, tracing/query, generate, generate/output;
// only cmd/synthgen/cli imports review.
package review
