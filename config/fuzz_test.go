package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: the loader never panics, whatever the input.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/diagnostics/*.yaml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("columns:\n  - {name: a, column_type: expression, expr: x}\n"))
	f.Add([]byte("data_designer:\n  columns: [{name: a, column_type: sampler, sampler_type: category, params: {values: [1]}}]\n"))
	f.Add([]byte(`{"columns": [{"name": "a", "column_type": "sampler", "params": {"sampler_type": "uniform", "low": 0, "high": 1}}]}`))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, diags := Parse("fuzz.yaml", data, env(nil))
		if doc == nil && !diags.HasErrors() {
			t.Fatal("no document and no error")
		}
		if doc != nil {
			_ = doc.Hash()
			_ = doc.BuilderConfigJSON()
		}
	})
}
