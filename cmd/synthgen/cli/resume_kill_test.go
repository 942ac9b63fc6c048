package cli

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate/output"
)

var synthgenBuild struct {
	once sync.Once
	path string
	err  error
}

// synthgenBin builds the synthgen command once per test binary and returns
// its absolute path (a fixed per-user path in the temp folder, replaced
// atomically, so runs do not pile up copies).
func synthgenBin(t *testing.T) string {
	t.Helper()
	synthgenBuild.once.Do(func() {
		shared := filepath.Join(os.TempDir(), fmt.Sprintf("synthgen-cli-test-%d", os.Getuid()))
		if err := os.MkdirAll(shared, 0o755); err != nil {
			synthgenBuild.err = err
			return
		}
		tmp, err := os.MkdirTemp(shared, "build-")
		if err != nil {
			synthgenBuild.err = err
			return
		}
		defer os.RemoveAll(tmp)
		build := exec.Command("go", "build", "-o", filepath.Join(tmp, "synthgen"), "./cmd/synthgen")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			synthgenBuild.err = fmt.Errorf("building synthgen: %v\n%s", err, out)
			return
		}
		synthgenBuild.path = filepath.Join(shared, "synthgen")
		synthgenBuild.err = os.Rename(filepath.Join(tmp, "synthgen"), synthgenBuild.path)
	})
	if synthgenBuild.err != nil {
		t.Fatal(synthgenBuild.err)
	}
	return synthgenBuild.path
}

// A create process killed with SIGKILL in the middle of a run leaves a
// folder that `create --resume always` completes into exactly the dataset
// an uninterrupted run with the same seed writes: the same row-group files,
// byte for byte, and every row index once. Nothing assumes the groups on
// disk at the kill are a prefix (groups complete in any order).
//
// Every run is of the built binary: Parquet's created_by names the
// parquet-go version from the build info, which a test binary lacks, so
// files written in-process differ from the command's in that field.
func TestCreateResumeAfterKill(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	t.Parallel()
	start := time.Now()
	bin := synthgenBin(t)
	t.Logf("built in %v", time.Since(start).Round(10*time.Millisecond))
	start = time.Now()
	const rows, groups = 400, 400 / faultBuffer
	dir := t.TempDir()
	// ~800 requests of 20 ms on 8 slots: a run of about 2 s. Some replies
	// are cut short, so some rows fail (failures.jsonl must survive the
	// kill too); the faults are a function of the request, the seed and
	// the attempt, so every run draws the same ones.
	cfg := faultConfig(t, dir, faultModel{mock: `{latency: 20ms, truncate_rate: 0.1}`, slots: 8}, rows)
	args := []string{"create", cfg, "-n", fmt.Sprint(rows), "-o", dir, "-d", "killed", "--seed", "5", "--no-progress"}

	home := t.TempDir()
	synthgen := func(args ...string) (string, error) {
		c := exec.Command(bin, args...)
		c.Env = append(os.Environ(), "SYNTHGEN_HOME="+home)
		out, err := c.CombinedOutput()
		return string(out), err
	}

	// Start, wait for some row groups on disk, kill -9.
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "SYNTHGEN_HOME="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	batches := func(name string) []string {
		files, _ := filepath.Glob(filepath.Join(dir, name, "parquet-files", "batch_*.parquet"))
		for i, f := range files {
			files[i] = filepath.Base(f)
		}
		return files
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(batches("killed")) < groups/4 {
		if time.Now().After(deadline) {
			t.Fatalf("no row groups written after 30 s\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the run was not killed (it ended first: %v); raise the mock latency\n%s", err, stderr.String())
	}
	atKill := batches("killed")
	if len(atKill) >= groups {
		t.Fatalf("all %d row groups were on disk at the kill; raise the mock latency", len(atKill))
	}
	t.Logf("killed after %v with %d of %d row groups on disk: %v", time.Since(start).Round(10*time.Millisecond), len(atKill), groups, atKill)
	start = time.Now()

	// Resume in the same folder.
	resumeOut, err := synthgen(append(slices.Clone(args), "--resume", "always")...)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, resumeOut)
	}
	if !strings.Contains(resumeOut, "resumed ") || strings.Contains(resumeOut, "kept 0 completed") {
		t.Errorf("the resumed run kept nothing of the killed one:\n%s", resumeOut)
	}
	for _, f := range atKill { // kept, not written again
		if !slices.Contains(batches("killed"), f) {
			t.Errorf("%s was on disk at the kill and is gone", f)
		}
	}

	t.Logf("resumed in %v", time.Since(start).Round(10*time.Millisecond))
	start = time.Now()

	// An uninterrupted run with the same seed.
	fresh := slices.Clone(args)
	fresh[slices.Index(fresh, "killed")] = "fresh"
	if out, err := synthgen(fresh...); err != nil {
		t.Fatalf("fresh run: %v\n%s", err, out)
	}
	t.Logf("uninterrupted run in %v", time.Since(start).Round(10*time.Millisecond))
	got, want := batches("killed"), batches("fresh")
	if len(want) != groups || !slices.Equal(got, want) {
		t.Fatalf("row-group files: resumed %v, fresh %v", got, want)
	}
	for _, f := range want {
		x, _ := os.ReadFile(filepath.Join(dir, "killed", "parquet-files", f))
		y, _ := os.ReadFile(filepath.Join(dir, "fresh", "parquet-files", f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between the resumed and the uninterrupted run: %s", f,
				diffRows(t, filepath.Join(dir, "killed", "parquet-files", f), filepath.Join(dir, "fresh", "parquet-files", f)))
		}
	}
	written, failed := accountRows(t, filepath.Join(dir, "killed"), rows, faultBuffer, []string{"answer", "facts"})
	freshWritten, freshFailed := accountRows(t, filepath.Join(dir, "fresh"), rows, faultBuffer, []string{"answer", "facts"})
	if len(failed) == 0 {
		t.Error("no row failed: the test does not cover failures.jsonl across the kill")
	}
	checkSummary(t, resumeOut, len(written), rows, len(failed))
	if !maps.Equal(written, freshWritten) || !maps.EqualFunc(failed, freshFailed, func(x, y failureRecord) bool {
		return *x.Row == *y.Row && x.Column == y.Column && x.ErrorKind == y.ErrorKind && x.Message == y.Message
	}) {
		t.Errorf("resumed: %d written, %d failed; uninterrupted: %d written, %d failed", len(written), len(failed), len(freshWritten), len(freshFailed))
		for row, f := range failed {
			if g, ok := freshFailed[row]; !ok || g.Message != f.Message {
				t.Errorf("row %d: resumed failure %q; uninterrupted %q", row, f.Message, g.Message)
			}
		}
	}
}

// diffRows describes the first difference between two Parquet files' rows.
func diffRows(t *testing.T, a, b string) string {
	t.Helper()
	ca, ra, err := output.ReadParquetFile(a)
	if err != nil {
		return err.Error()
	}
	cb, rb, err := output.ReadParquetFile(b)
	if err != nil {
		return err.Error()
	}
	if !slices.EqualFunc(ca, cb, func(x, y output.Column) bool { return x.Name == y.Name && x.Type.String() == y.Type.String() }) {
		return fmt.Sprintf("columns %v ≠ %v", ca, cb)
	}
	if len(ra) != len(rb) {
		return fmt.Sprintf("%d rows ≠ %d rows", len(ra), len(rb))
	}
	for i := range ra {
		for j, c := range ca {
			if x, y := value.JSON(ra[i][j]), value.JSON(rb[i][j]); x != y {
				return fmt.Sprintf("row %d (file row %d) column %s: %.200s ≠ %.200s", ra[i][0], i, c.Name, x, y)
			}
		}
	}
	return "same rows, different bytes"
}
