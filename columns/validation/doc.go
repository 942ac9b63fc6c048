// Package validation is the `validation` column kind: it checks the values
// of other columns (target_columns) in batches of batch_size rows (default
// 10) and stores, per row, {is_valid: bool, messages: [string, ...]}.
//
//	spec := validation.Spec()                  // registered by the column registry
//	units, diags := spec.Build(bc, cols)      // one unit per validation column
//	bg := units[0].Gen.(validation.BatchGenerator)
//	errs := bg.GenerateBatch(ctx, rows, outs) // one error (or nil) per row
//
// The engine groups rows and calls GenerateBatch (see BatchGenerator);
// Generate validates a single row. An invalid value is data (is_valid
// false), not an error; a validator that cannot answer (a program that
// fails, an endpoint that keeps failing) gives each row of the batch a
// *columns.CellError of kind "validation", which drops the row.
//
// # Validators
//
// code (code_lang python): one python3 process per batch compiles every
// value with compile(src, "<row>", "exec"), which is what py_compile does,
// without running it; a SyntaxError makes the value invalid and its message
// names the line and column. When ruff is on PATH at build time, one
// `ruff check` per batch also lints the values with the rules Data
// Designer's validator selects (E, F6, F7, F8, SIM, PLC, PLE, PLR, PLW):
// every finding becomes a message; pyflakes (F…) and pylint-error (PLE…)
// findings also make the value invalid, the others (style, refactor,
// warnings) do not. python3 missing from PATH is a build diagnostic. Empty
// and non-string values are invalid.
//
// code (code_lang sql:<dialect>): no SQL parser is available to synthgen,
// so this is a lightweight structural check, not a parser. A value passes
// when it is non-empty, every statement (split at top-level semicolons)
// starts with a SQL keyword (SELECT, WITH, INSERT, UPDATE, DELETE, CREATE,
// ALTER, DROP, …), brackets and parentheses balance, and every string
// literal, quoted identifier and block comment is closed. It knows the
// dialects' comments (--, /* */, # in MySQL and BigQuery), quoting ('…',
// "…", `…`, […] in T-SQL and SQLite, $tag$…$tag$ in PostgreSQL) and
// backslash escapes (MySQL, BigQuery). Misspelled keywords, wrong clause
// order and unknown functions pass.
//
// With several target columns a code validator checks each target value on
// its own and the cell is an object keyed by target column, in
// target_columns order: {col_a: {is_valid, messages}, col_b: {...}}.
//
// remote: each batch is POSTed as {"data": [row, ...]}, a row being an
// object of all target columns' values; the response {"data": [result,
// ...]} has one result per row, in order. A result's is_valid (bool or null)
// is kept, and the text of its messages, message, error, errors,
// error_message and error_messages fields becomes messages; other fields
// are dropped. Each request times out after timeout seconds (30);
// connection errors, timeouts and 429/500/502/503/504 are retried up to
// max_retries times (3), waiting retry_backoff^n seconds (2.0) before retry
// n; at most max_parallel_requests (4) requests of the column are in flight.
// output_schema is not enforced (a build warning says so).
//
// command (synthgen extension): {command: [program, args...]} runs the
// program, without a shell, once per batch, in the config's folder, with
// one JSON object of the row's target values per stdin line; it must print
// one result object per line ({"is_valid": bool, "messages": [...]}, read
// like a remote result). A non-zero exit or a wrong number of lines fails
// the batch, quoting the last lines of its stderr. A relative program path
// is resolved against the config's folder, a bare name through PATH. A
// batch may take at most 5 minutes (defaultCommandTimeout, fixed: there is
// no config field for it): a program still running then is killed, with
// the processes it started (on Unix the program runs in a process group of
// its own, so the terminal's Ctrl-C does not reach it), and the batch fails
// with "command validator timed out after 5m0s".
//
// Remote and command validators receive all target columns together and
// give one {is_valid, messages} per row, whatever the number of targets.
//
// local_callable validators are Python functions and are rejected at build
// time.
//
// # Configs are code
//
// A config can make synthgen start programs and send rows to endpoints.
// Programs lists them so that `synthgen validate` can show them before
// anything runs. Each column runs at most GOMAXPROCS local processes at
// once; a cancelled context kills them.
package validation
