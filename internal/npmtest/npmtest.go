// Package npmtest installs pinned npm packages for tests that check
// synthgen's output with a JavaScript consumer (DuckDB reading Parquet back,
// Playwright driving the review page). Tests only.
package npmtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ModuleDir returns a directory whose node_modules holds spec ("name@version",
// pinned), installing it on first use: $envVar if set, else
// <user cache dir>/synthgen/<cacheName>-<version>, else testdata/<cacheName>
// (git-ignored). The install goes to a temporary sibling directory that is
// renamed into place, so an interrupted install is never mistaken for a
// complete one. env is added to npm's environment.
func ModuleDir(t *testing.T, spec, envVar, cacheName string, env ...string) string {
	t.Helper()
	at := strings.LastIndex(spec, "@")
	name, version := spec[:at], spec[at+1:]
	dir := os.Getenv(envVar)
	if dir == "" {
		if cache, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(cache, "synthgen", cacheName+"-"+version)
		} else {
			dir, _ = filepath.Abs(filepath.Join("testdata", cacheName))
		}
	}
	marker := filepath.Join(dir, "node_modules", filepath.FromSlash(name), "package.json")
	if _, err := os.Stat(marker); err == nil {
		return dir
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Fatalf("%s is not installed in %s and npm is not on PATH", spec, dir)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-*")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := []string{"install", "--prefix", tmp, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", spec}
	t.Logf("installing: npm %s", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(marker); serr != nil { // not installed by a concurrent run either
			t.Fatalf("installing %s: %v", spec, err)
		}
	}
	return dir
}
