package config

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestDDCompat loads the Data Designer-serialized configs in testdata/ddcompat
// (repo root) unchanged and expects no error diagnostics. The files mirror
// what Data Designer's config_builder.write_config / to_yaml / to_json write:
// every field, including defaults and nulls. See testdata/ddcompat/README.md
// for the Data Designer source of each field.
//
// MCP providers are not part of a Data Designer config (they are given to
// DataDesigner(mcp_providers=...)), so SYNTHGEN_HOME points at
// testdata/ddcompat/home, which defines the provider the tool_configs use.
func TestDDCompat(t *testing.T) {
	dir := filepath.Join("..", "testdata", "ddcompat")
	home, err := filepath.Abs(filepath.Join(dir, "home"))
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Getenv: func(k string) (string, bool) {
		if k == "SYNTHGEN_HOME" {
			return home, true
		}
		return "", false
	}}
	var files []string
	for _, pat := range []string{"*.yaml", "*.yml", "*.json"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no configs found in %s", dir)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		t.Run(name, func(t *testing.T) {
			doc, diags := Load(f, os.Stdin, opts)
			for _, w := range diags.Warnings() {
				t.Logf("warning: %v", w)
			}
			if errs := diags.Errors(); len(errs) > 0 {
				var b strings.Builder
				for _, e := range errs {
					b.WriteString("\n  ")
					b.WriteString(e.String())
				}
				t.Fatalf("%s: %d error diagnostic(s) loading a Data Designer config unchanged:%s", f, len(errs), b.String())
			}
			if doc == nil || len(doc.Columns) == 0 {
				t.Fatalf("%s: no columns decoded", f)
			}
		})
	}
}
