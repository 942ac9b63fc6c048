package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzValidate: the whole validate path (config, every kind's build, the
// plan) never panics and answers 0 or 2 whatever the input.
func FuzzValidate(f *testing.F) {
	for _, glob := range []string{"../../../examples/*.yaml", "../../../config/testdata/diagnostics/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Add("columns:\n  - {name: a, column_type: expression, expr: '{{ b }}'}\n  - {name: b, column_type: expression, expr: '{{ a }}'}\n")
	f.Add("columns:\n  - {name: a, column_type: sampler, sampler_type: category, params: {values: [1]}, conditional_params: {'a > ': {values: [2]}}}\n")
	f.Fuzz(func(t *testing.T, cfg string) {
		_, _, code := run(t, cfg, "validate", "-")
		if code != ExitOK && code != ExitInvalid {
			t.Fatalf("exit %d", code)
		}
	})
}
