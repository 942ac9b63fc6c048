package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate/output"
)

var update = flag.Bool("update", false, "rewrite golden files")

// run runs synthgen in-process from the repository root (so example paths
// work) and returns stdout, stderr and the exit code.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return runHome(t, t.TempDir(), stdin, args...)
}

// runHome is run with SYNTHGEN_HOME set to home.
func runHome(t *testing.T, home, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return runEnv(t, map[string]string{"SYNTHGEN_HOME": home}, stdin, args...)
}

// runEnv is run with exactly the given environment.
func runEnv(t *testing.T, vars map[string]string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), Env{
		Args: args, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) (string, bool) {
			v, ok := vars[k]
			return v, ok
		},
	})
	return out.String(), errOut.String(), code
}

// An environment value the config uses never reaches stderr or the list of
// programs validate prints.
func TestSecretsStayOutOfMessages(t *testing.T) {
	vars := map[string]string{"SYNTHGEN_HOME": t.TempDir(), "MYTOKEN": "s3cr3tTOK"}
	cfg := `columns:
  - {name: a, column_type: expression, expr: "x"}
  - {name: v, column_type: validation, target_columns: [a], validator_type: command, validator_params: {command: [sh, -c, "echo ${MYTOKEN}"]}}
model_configs:
  - {alias: m, model: x, provider: mock, inference_parameters: {temperature: "${MYTOKEN}"}}
`
	out, errOut, code := runEnv(t, vars, cfg, "validate", "-")
	if code != ExitInvalid || strings.Contains(out+errOut, "s3cr3tTOK") || !strings.Contains(errOut, "${MYTOKEN}") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	good := strings.Replace(cfg, `temperature: "${MYTOKEN}"`, "temperature: 0.5", 1)
	out, errOut, code = runEnv(t, vars, good, "validate", "-")
	if code != ExitOK || strings.Contains(out+errOut, "s3cr3tTOK") || !strings.Contains(out, "${MYTOKEN}") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// TestValidateDataDesignerConfigs: configs in the shape Data Designer
// serializes them pass the whole of validate (load, build, plan).
func TestValidateDataDesignerConfigs(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(root, "testdata", "ddcompat", "*.*"))
	n := 0
	for _, f := range files {
		if !strings.HasSuffix(f, ".yaml") && !strings.HasSuffix(f, ".json") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, errOut, code := runHome(t, filepath.Join(root, "testdata", "ddcompat", "home"), "", "validate", f)
			if code != ExitOK {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
		})
	}
	if n < 5 {
		t.Fatalf("only %d Data Designer configs found", n)
	}
}

// root is the repository root, fixed before any test changes directory.
var root = func() string {
	wd, _ := os.Getwd()
	abs, _ := filepath.Abs(filepath.Join(wd, "..", "..", ".."))
	return abs
}()

func repoRoot(t *testing.T) string { return root }

func chdirRoot(t *testing.T) {
	t.Helper()
	t.Chdir(repoRoot(t))
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(repoRoot(t), "cmd", "synthgen", "cli", "testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden %s (run with -update): %v", name, err)
	}
	if got != string(want) {
		t.Errorf("%s differs\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestValidateGoodConfig(t *testing.T) {
	chdirRoot(t)
	out, errOut, code := run(t, "", "validate", "examples/customers.yaml")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if !strings.Contains(out, "column order: customer_id → customer → country → plan") {
		t.Fatalf("no column order:\n%s", out)
	}
	out, _, code = run(t, "", "validate", "--explain", "examples/product_reviews_seed.yaml")
	if code != ExitOK || !strings.Contains(out, "[seed-dataset]") || !strings.Contains(out, "after:  internal_score") {
		t.Fatalf("explain:\n%s", out)
	}
}

func TestValidateBadConfigReportsAllWithPositions(t *testing.T) {
	chdirRoot(t)
	bad := `columns:
  - name: topic
    column_type: sampler
    sampler_type: categroy
    params: {values: [a, b]}
  - name: question
    column_type: expression
    exprr: "about {{ topic }}"
  - name: answer
    column_type: expression
    expr: "{{ questoin }} and {{ answer2 }}"
  - name: answer2
    column_type: expression
    expr: "{{ answer }}"
    dtype: integer
`
	out, errOut, code := run(t, bad, "validate", "-")
	if code != ExitInvalid {
		t.Fatalf("exit %d, want 2", code)
	}
	if out != "" {
		t.Fatalf("nothing should go to stdout: %q", out)
	}
	golden(t, "validate_bad.golden", errOut)
}

func TestValidateReferenceErrors(t *testing.T) {
	chdirRoot(t)
	tests := []struct {
		name, cfg, want string
	}{
		{"unknown reference", "columns:\n  - {name: a, column_type: expression, expr: '{{ topc }}'}\n  - {name: topic, column_type: expression, expr: x}\n",
			`-:2:46: columns[0].expr: column "a" references unknown column "topc"; did you mean "topic"?`},
		{"cycle", "columns:\n  - {name: a, column_type: expression, expr: '{{ b }}'}\n  - {name: b, column_type: expression, expr: '{{ a }}'}\n",
			`dependency cycle: "a" → "b" → "a"`},
		{"trace not written", "columns:\n  - {name: a, column_type: llm-text, model_alias: mock-text, prompt: hi}\n  - {name: b, column_type: expression, expr: '{{ a__trace }}'}\n",
			`column "b" references "a__trace", which is not written because with_trace is none`},
		{"missing seed file", "seed_config: {source: {seed_type: local, path: nope.csv}}\ncolumns:\n  - {name: a, column_type: expression, expr: x}\n",
			`nope.csv`},
		{"weights", "columns:\n  - {name: a, column_type: sampler, sampler_type: category, params: {values: [x, y], weights: [1]}}\n",
			`weights`},
		{"weights sum zero", "columns:\n  - {name: a, column_type: sampler, sampler_type: category, params: {values: [x, y], weights: [0, 0]}}\n",
			`sum`},
		{"bad template", "columns:\n  - {name: a, column_type: expression, expr: '{{ x | uper }}'}\n",
			`unknown filter "uper"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, tt.cfg, "validate", "-")
			if code != ExitInvalid {
				t.Fatalf("exit %d, want 2\n%s", code, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Fatalf("want %q in\n%s", tt.want, errOut)
			}
		})
	}
}

func TestValidateSeedFileThatDoesNotParse(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "seed.jsonl"), []byte("{\"a\": 1}\n{not json\n"), 0o644)
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("seed_config: {source: {seed_type: local, path: seed.jsonl}}\ncolumns:\n  - {name: b, column_type: expression, expr: '{{ a }}'}\n"), 0o644)
	_, errOut, code := run(t, "", "validate", cfg)
	if code != ExitInvalid || !strings.Contains(errOut, "line 2") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}

func TestPreview(t *testing.T) {
	chdirRoot(t)
	out, errOut, code := run(t, "", "preview", "examples/customers.yaml", "-n", "5", "--seed", "3")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if n := strings.Count(out, "── record "); n != 5 {
		t.Fatalf("%d records:\n%s", n, out)
	}
	if !strings.Contains(out, `"first_name": `) || !strings.Contains(out, "greeting:") {
		t.Fatalf("nested values not printed readably:\n%s", out)
	}
	out, _, code = run(t, "", "preview", "examples/customers.yaml", "-n", "3", "--json", "--seed", "3")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != ExitOK || len(lines) != 3 {
		t.Fatalf("json lines: %d\n%s", len(lines), out)
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, l)
		}
		if _, ok := rec["customer"].(map[string]any); !ok {
			t.Fatalf("customer is not an object: %v", rec["customer"])
		}
	}
	// Same seed, same records.
	again, _, _ := run(t, "", "preview", "examples/customers.yaml", "-n", "3", "--json", "--seed", "3")
	if again != out {
		t.Fatal("preview with the same seed differs")
	}
}

func TestCreateWritesFolderAndParquetReadsBack(t *testing.T) {
	chdirRoot(t)
	dir := t.TempDir()
	_, errOut, code := run(t, "", "create", "examples/customers.yaml", "-n", "1000", "-o", dir, "-d", "customers", "--seed", "11", "--no-progress")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "wrote 1000 of 1000 rows") {
		t.Fatalf("summary: %s", errOut)
	}
	folder := filepath.Join(dir, "customers")
	for _, f := range []string{"builder_config.json", "metadata.json", "parquet-files/batch_00000.parquet"} {
		if _, err := os.Stat(filepath.Join(folder, f)); err != nil {
			t.Fatalf("missing %s", f)
		}
	}
	cols, rows, err := output.ReadParquetFile(filepath.Join(folder, "parquet-files", "batch_00000.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1000 {
		t.Fatalf("%d rows", len(rows))
	}
	idx := map[string]int{}
	for i, c := range cols {
		idx[c.Name] = i
	}
	for _, r := range rows {
		p, ok := r[idx["customer"]].(*value.Map)
		if !ok {
			t.Fatalf("customer is %T", r[idx["customer"]])
		}
		age, _ := p.Get("age")
		if a := age.(int64); a < 18 || a > 80 {
			t.Fatalf("age %d outside age_range", a)
		}
		if s := r[idx["monthly_spend"]].(float64); s <= 0 {
			t.Fatalf("constraint monthly_spend > 0 violated: %v", s)
		}
		if plan := r[idx["plan"]].(string); r[idx["country"]] == "IN" && plan == "team" {
			t.Fatal("conditional params ignored: IN has no team plan")
		}
		if g := r[idx["greeting"]].(string); !strings.HasPrefix(g, "Hi ") {
			t.Fatalf("greeting %q", g)
		}
	}
	var meta map[string]any
	b, _ := os.ReadFile(filepath.Join(folder, "metadata.json"))
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if meta["actual_num_records"].(float64) != 1000 || meta["seed"].(float64) != 11 {
		t.Fatalf("metadata: %v", meta)
	}

	// Same seed ⇒ byte-identical Parquet.
	_, errOut, code = run(t, "", "create", "examples/customers.yaml", "-n", "1000", "-o", dir, "-d", "again", "--seed", "11", "--no-progress")
	if code != ExitOK {
		t.Fatal(errOut)
	}
	a, _ := os.ReadFile(filepath.Join(folder, "parquet-files", "batch_00000.parquet"))
	c, _ := os.ReadFile(filepath.Join(dir, "again", "parquet-files", "batch_00000.parquet"))
	if !bytes.Equal(a, c) {
		t.Fatal("same seed gave different Parquet bytes")
	}
}

func TestCreateCombinedFormatsAndSeedExample(t *testing.T) {
	chdirRoot(t)
	dir := t.TempDir()
	for _, format := range []string{"jsonl", "csv", "parquet"} {
		_, errOut, code := run(t, "", "create", "examples/product_reviews_seed.yaml", "-n", "12", "-o", dir, "-d", "reviews_"+format, "--output-format", format, "--seed", "5", "--no-progress")
		if code != ExitOK {
			t.Fatalf("%s: exit %d\n%s", format, code, errOut)
		}
		path := filepath.Join(dir, "reviews_"+format, "reviews_"+format+"."+format)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("no combined file: %v\n%s", err, errOut)
		}
		if format == "jsonl" {
			b, _ := os.ReadFile(path)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) != 12 {
				t.Fatalf("%d lines", len(lines))
			}
			if strings.Contains(lines[0], "internal_score") || strings.Contains(lines[0], `"specs"`) {
				t.Fatalf("dropped columns written: %s", lines[0])
			}
			if !strings.HasPrefix(lines[0], `{"product_id":`) {
				t.Fatalf("seed columns should come first: %s", lines[0])
			}
		}
	}
}

func TestCreateFailuresAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	cfg := `columns:
  - {name: n, column_type: sampler, sampler_type: category, params: {values: [a, "1", b, "2"]}}
  - {name: i, column_type: expression, expr: "{{ n }}", dtype: int}
run_config: {disable_early_shutdown: true}
`
	_, errOut, code := run(t, cfg, "create", "-", "-n", "40", "-o", dir, "--seed", "1", "--no-progress")
	if code != ExitOK {
		t.Fatalf("partial success should exit 0, got %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "failed: i: expression") || !strings.Contains(errOut, "of 40 rows") {
		t.Fatalf("summary: %s", errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "dataset", "failures.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	json.Unmarshal([]byte(strings.SplitN(string(b), "\n", 2)[0]), &f)
	if f["column"] != "i" || !strings.Contains(f["message"].(string), "cannot cast") || f["upstream"].(map[string]any)["n"] == nil {
		t.Fatalf("failure record: %v", f)
	}

	// Every row fails: early shutdown, exit 1.
	all := "columns:\n  - {name: i, column_type: expression, expr: 'x', dtype: int}\n"
	_, errOut, code = run(t, all, "create", "-", "-n", "300", "-o", dir, "-d", "bad", "--no-progress")
	if code != ExitFailed || !strings.Contains(errOut, "early shutdown") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	// A model whose key is missing: exit 3 before anything is generated,
	// naming the variable, and no folder is left behind.
	llm := "columns:\n  - {name: a, column_type: llm-text, model_alias: openai-text, prompt: hi}\n"
	_, errOut, code = run(t, llm, "create", "-", "-o", dir, "-d", "nokey", "--no-progress")
	if code != ExitUnreachable || !strings.Contains(errOut, "OPENAI_API_KEY") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "nokey")); err == nil {
		t.Fatal("a run that could not start left a folder")
	}
	// Bad flags.
	_, _, code = run(t, "", "create", "x.yaml", "--output-format", "xml")
	if code != ExitInvalid {
		t.Fatalf("bad --output-format: exit %d", code)
	}
	_, _, code = run(t, "", "nonsense")
	if code != ExitInvalid {
		t.Fatalf("unknown command: exit %d", code)
	}
}

func TestCreateResume(t *testing.T) {
	chdirRoot(t)
	dir := t.TempDir()
	args := []string{"create", "examples/customers.yaml", "-o", dir, "-d", "r", "--seed", "9", "--no-progress", "--run-config", "cmd/synthgen/cli/testdata/run_small_buffer.yaml"}
	_, errOut, code := run(t, "", append(args, "-n", "25")...)
	if code != ExitOK {
		t.Fatal(errOut)
	}
	_, errOut, code = run(t, "", append(args, "-n", "45", "--resume", "always")...)
	if code != ExitOK || !strings.Contains(errOut, "kept 2 completed row group") || !strings.Contains(errOut, "wrote 45 of 45") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	_, errOut, code = run(t, "", append(args, "-n", "45", "--resume", "always", "-d", "missing")...)
	if code != ExitInvalid || !strings.Contains(errOut, "cannot resume") {
		t.Fatalf("resume of a missing folder: exit %d\n%s", code, errOut)
	}
}

func TestColumnsAndVersion(t *testing.T) {
	out, _, code := run(t, "", "columns")
	if code != ExitOK || !strings.Contains(out, "sampler — ") || !strings.Contains(out, "llm-judge") || !strings.Contains(out, "model_alias") {
		t.Fatalf("columns:\n%s", out)
	}
	out, _, code = run(t, "", "columns", "sampler")
	if code != ExitOK || !strings.Contains(out, "person_from_faker") || !strings.Contains(out, "age_range") {
		t.Fatalf("columns sampler:\n%s", out)
	}
	_, errOut, code := run(t, "", "columns", "smapler")
	if code != ExitInvalid || !strings.Contains(errOut, `did you mean "sampler"`) {
		t.Fatalf("%d %s", code, errOut)
	}
	out, _, code = run(t, "", "version")
	if code != ExitOK || !strings.HasPrefix(out, "synthgen ") {
		t.Fatalf("version: %q", out)
	}
}

// A resumed run without --seed reuses the folder's seed, so its rows equal a
// fresh run's; a smaller --num-records is refused.
func TestCreateResumeReusesSeed(t *testing.T) {
	chdirRoot(t)
	dir := t.TempDir()
	base := []string{"create", "examples/customers.yaml", "-o", dir, "--no-progress", "--run-config", "cmd/synthgen/cli/testdata/run_small_buffer.yaml"}
	if _, errOut, code := run(t, "", append(base, "-d", "a", "-n", "25")...); code != ExitOK {
		t.Fatal(errOut)
	}
	_, errOut, code := run(t, "", append(base, "-d", "a", "-n", "40", "--resume", "always")...)
	if code != ExitOK {
		t.Fatal(errOut)
	}
	var meta struct{ Seed uint64 }
	b, _ := os.ReadFile(filepath.Join(dir, "a", "metadata.json"))
	json.Unmarshal(b, &meta)
	seed := strconv.FormatUint(meta.Seed, 10)
	if _, errOut, code := run(t, "", append(base, "-d", "fresh", "-n", "40", "--seed", seed)...); code != ExitOK {
		t.Fatal(errOut)
	}
	for i := 0; i < 4; i++ {
		name := filepath.Join("parquet-files", "batch_0000"+strconv.Itoa(i)+".parquet")
		x, _ := os.ReadFile(filepath.Join(dir, "a", name))
		y, _ := os.ReadFile(filepath.Join(dir, "fresh", name))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Fatalf("%s differs between the resumed and a fresh run", name)
		}
	}
	_, errOut, code = run(t, "", append(base, "-d", "a", "-n", "10", "--resume", "always")...)
	if code != ExitInvalid || !strings.Contains(errOut, "asked for 40 rows") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}

// A schema_transform processor writes a chat-format dataset next to the main
// one; validate lists it and reports its problems with the rest.
func TestCreateSchemaTransformChat(t *testing.T) {
	chdirRoot(t)
	dir := t.TempDir()
	cfg := `columns:
  - {name: topic, column_type: sampler, sampler_type: category, params: {values: [tides, volcanoes]}}
  - {name: level, column_type: sampler, sampler_type: poisson, params: {mean: 3}}
  - {name: question, column_type: expression, expr: "Why are there {{ topic }}?"}
  - {name: answer, column_type: expression, expr: "Because of {{ topic | upper }}."}
  - {name: scratch, column_type: expression, expr: "note {{ level }}", drop: true}
processors:
  - name: chat
    processor_type: schema_transform
    template:
      messages:
        - {role: system, content: "You explain {{ topic }} at level {{ level }}."}
        - {role: user, content: "{{ question }}"}
        - {role: assistant, content: "{{ answer }}"}
      level: "{{ level }}"
      note: "{{ scratch }}"
`
	out, errOut, code := run(t, cfg, "validate", "-")
	if code != ExitOK || !strings.Contains(out, "processor dataset processors-files/chat: messages list<struct{role string, content string}>, level int, note string") {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	_, errOut, code = run(t, cfg, "create", "-", "-n", "12", "-o", dir, "-d", "chat", "--seed", "4", "--no-progress", "--output-format", "jsonl")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	folder := filepath.Join(dir, "chat")
	mainCols, mainRows, err := output.ReadParquetFile(filepath.Join(folder, "parquet-files", "batch_00000.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	cols, rows, err := output.ReadParquetFile(filepath.Join(folder, "processors-files", "chat", "batch_00000.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != 3 || cols[0].Name != "messages" || cols[0].Type.String() != "list<struct{role string, content string}>" || cols[1].Type.String() != "int" {
		t.Fatalf("processor columns = %v", cols)
	}
	if len(rows) != 12 || len(mainRows) != 12 {
		t.Fatalf("%d processor rows, %d main rows", len(rows), len(mainRows))
	}
	at := map[string]int{}
	for i, c := range mainCols {
		at[c.Name] = i
	}
	for i, r := range rows {
		m := mainRows[i]
		msgs := r[0].([]any)
		if len(msgs) != 3 {
			t.Fatalf("row %d: %d messages", i, len(msgs))
		}
		var got []string
		for _, msg := range msgs {
			role, _ := msg.(*value.Map).Get("role")
			content, _ := msg.(*value.Map).Get("content")
			got = append(got, role.(string)+": "+content.(string))
		}
		want := []string{
			"system: You explain " + m[at["topic"]].(string) + " at level " + strconv.FormatInt(m[at["level"]].(int64), 10) + ".",
			"user: " + m[at["question"]].(string),
			"assistant: " + m[at["answer"]].(string),
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("row %d messages:\n%s\nwant\n%s", i, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if r[1] != m[at["level"]] || r[2] != "note "+strconv.FormatInt(m[at["level"]].(int64), 10) {
			t.Errorf("row %d: level %v, note %v", i, r[1], r[2])
		}
	}
	var meta struct {
		FilePaths map[string][]string `json:"file_paths"`
	}
	b, _ := os.ReadFile(filepath.Join(folder, "metadata.json"))
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if got := meta.FilePaths["processors-files/chat"]; len(got) != 1 || got[0] != "processors-files/chat/batch_00000.parquet" {
		t.Errorf("file_paths = %v", meta.FilePaths)
	}
	// --output-format writes the main dataset only.
	if b, _ := os.ReadFile(filepath.Join(folder, "chat.jsonl")); strings.Contains(string(b), "messages") || len(b) == 0 {
		t.Errorf("combined file: %.200s", b)
	}

	// Processor problems are config errors, reported with the others.
	bad := strings.Replace(strings.Replace(cfg, `"{{ question }}"`, `"{{ questoin }}"`, 1), "name: chat", "name: ../chat", 1)
	_, errOut, code = run(t, bad, "validate", "-")
	if code != ExitInvalid ||
		!strings.Contains(errOut, `-:13:33: processors[0].template.messages[1].content: processor "../chat" references unknown column "questoin"; did you mean "question"?`) ||
		!strings.Contains(errOut, `-:8:11: processors[0].name: processor name "../chat" is its output folder`) {
		t.Fatalf("validate bad: exit %d\n%s", code, errOut)
	}

	// The example runs.
	_, errOut, code = run(t, "", "create", "examples/chat_transform.yaml", "-n", "20", "-o", dir, "-d", "example", "--no-progress")
	if code != ExitOK {
		t.Fatalf("example: exit %d\n%s", code, errOut)
	}
	if _, rows, err := output.ReadParquetFile(filepath.Join(dir, "example", "processors-files", "chat", "batch_00000.parquet")); err != nil || len(rows) != 20 {
		t.Fatalf("example chat dataset: %d rows, %v", len(rows), err)
	}
}

// preview --traces prints trace-shaped values without failing, whether the
// content is a block list or a plain string.
func TestPreviewTraces(t *testing.T) {
	dir := t.TempDir()
	seed := `{"conv__trace": [{"role": "user", "content": "hi there"}, {"role": "assistant", "content": [{"type": "text", "text": "hello"}], "reasoning_content": "be nice", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "add", "arguments": "{}"}}]}]}` + "\n"
	os.WriteFile(filepath.Join(dir, "s.jsonl"), []byte(seed), 0o644)
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("seed_config: {source: {seed_type: local, path: s.jsonl}}\ncolumns:\n  - {name: n, column_type: expression, expr: '{{ conv__trace | length }}', dtype: int}\n"), 0o644)
	out, errOut, code := run(t, "", "preview", cfg, "-n", "1", "--traces")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"┌ user", "hi there", "┌ assistant", "(reasoning) be nice", "hello", "→ add [c1] {}", "2 messages, 1 tool call in 1 turn"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

// Every example runs as README says, offline.
func TestExamplesRun(t *testing.T) {
	chdirRoot(t)
	files, _ := filepath.Glob("examples/*.yaml")
	if len(files) < 4 {
		t.Fatalf("only %d examples", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			dir := t.TempDir()
			_, errOut, code := run(t, "", "create", f, "-n", "30", "-o", dir, "--seed", "1", "--no-progress")
			if code != ExitOK || !strings.Contains(errOut, "wrote 30 of 30 rows") {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
		})
	}
}

// The LLM example runs on the in-process mock model: every column is
// filled, traces and reasoning have the spec's shape, and the JSONL and CSV
// forms follow the output-types table.
func TestCreateLLMExampleOnMock(t *testing.T) {
	chdirRoot(t)
	dir := t.TempDir()
	_, errOut, code := run(t, "", "create", "examples/qa_with_judge.yaml", "-n", "20", "-o", dir, "-d", "qa", "--seed", "3", "--no-progress", "--output-format", "jsonl")
	if code != ExitOK || !strings.Contains(errOut, "wrote 20 of 20 rows") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	cols, rows, err := output.ReadParquetFile(filepath.Join(dir, "qa", "parquet-files", "batch_00000.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	idx := map[string]int{}
	var names []string
	for i, c := range cols {
		idx[c.Name] = i
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "topic,difficulty,question,question__trace,answer,answer__trace,answer__reasoning_content,snippet,facts,grade,accuracy" {
		t.Fatalf("columns: %s", got)
	}
	for _, r := range rows {
		qt := r[idx["question__trace"]].([]any)
		if len(qt) != 1 || role(qt[0]) != "assistant" {
			t.Fatalf("last_message trace: %s", value.JSON(qt))
		}
		at := r[idx["answer__trace"]].([]any)
		if len(at) != 2 || role(at[0]) != "user" || role(at[1]) != "assistant" {
			t.Fatalf("all_messages trace: %s", value.JSON(at))
		}
		rc, _ := at[1].(*value.Map).Get("reasoning_content")
		if rc == nil || r[idx["answer__reasoning_content"]] == nil || strings.TrimSpace(rc.(string)) != r[idx["answer__reasoning_content"]] {
			t.Fatalf("reasoning: trace %v, column %v", rc, r[idx["answer__reasoning_content"]])
		}
		if tc, _ := at[0].(*value.Map).Get("tool_calls"); tc != nil {
			t.Fatal("tool_calls must be null/absent on a plain message")
		}
		grade := r[idx["grade"]].(*value.Map)
		acc, _ := grade.Get("Accuracy")
		score, _ := acc.(*value.Map).Get("score")
		if s := score.(string); s != "1" && s != "3" && s != "5" {
			t.Fatalf("score %q is not an option", s)
		}
		if fmt.Sprint(r[idx["accuracy"]]) != score {
			t.Fatalf("accuracy %v ≠ grade %v", r[idx["accuracy"]], score)
		}
		facts := r[idx["facts"]].(*value.Map)
		if got := strings.Join(facts.Keys(), ","); got != "summary,key_points,confidence" {
			t.Fatalf("facts keys %s", got)
		}
		if !strings.Contains(r[idx["snippet"]].(string), "def ") {
			t.Fatalf("snippet %q", r[idx["snippet"]])
		}
	}
	var meta struct {
		ModelUsage map[string]map[string]float64 `json:"model_usage"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "qa", "metadata.json"))
	json.Unmarshal(b, &meta)
	if meta.ModelUsage["writer"]["requests"] != 60 || meta.ModelUsage["thinker"]["reasoning_tokens"] == 0 {
		t.Fatalf("model usage: %v", meta.ModelUsage)
	}
	// JSONL: traces are arrays of message objects with optional keys left out.
	jl, _ := os.ReadFile(filepath.Join(dir, "qa", "qa.jsonl"))
	var rec map[string]any
	json.Unmarshal([]byte(strings.SplitN(string(jl), "\n", 2)[0]), &rec)
	msg := rec["answer__trace"].([]any)[0].(map[string]any)
	if _, has := msg["tool_calls"]; has || msg["role"] != "user" {
		t.Fatalf("JSONL message: %v", msg)
	}
	if content := msg["content"].([]any)[0].(map[string]any); content["type"] != "text" {
		t.Fatalf("content block: %v", content)
	}
}

func role(m any) string {
	r, _ := m.(*value.Map).Get("role")
	s, _ := r.(string)
	return s
}

// A provider that cannot be reached stops the run before it starts: exit 3,
// naming the provider.
func TestUnreachableProviderExit3(t *testing.T) {
	cfg := `model_providers:
  - {name: local, endpoint: "http://127.0.0.1:1/v1"}
model_configs:
  - {alias: m, model: x, provider: local}
columns:
  - {name: a, column_type: llm-text, model_alias: m, prompt: hi}
`
	_, errOut, code := run(t, cfg, "preview", "-")
	if code != ExitUnreachable || !strings.Contains(errOut, "local") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}

// A reply cut at max_tokens that never parses drops the row, and the message
// says so and names the column and row.
func TestTruncatedReplyMessage(t *testing.T) {
	dir := t.TempDir()
	cfg := `model_configs:
  - alias: m
    model: mock-m
    provider: mock
    inference_parameters: {max_tokens: 50, extra_body: {mock: {truncate_rate: 1.0}}}
columns:
  - name: facts
    column_type: llm-structured
    model_alias: m
    prompt: "Facts please"
    output_format: {type: object, properties: {a: {type: string}}, required: [a]}
run_config: {max_conversation_restarts: 1, disable_early_shutdown: true}
`
	_, errOut, code := run(t, cfg, "create", "-", "-n", "2", "-o", dir, "--no-progress")
	if code != ExitFailed {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "dataset", "failures.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	first := strings.SplitN(string(b), "\n", 2)[0]
	for _, want := range []string{`column \"facts\" row 0: could not parse the model output as JSON matching the schema after 0 corrections and 1 restart`, "cut at max_tokens (50)", `"conversation":[`} {
		if !strings.Contains(first, want) {
			t.Fatalf("want %q in %s", want, first)
		}
	}
}
