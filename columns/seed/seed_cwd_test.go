package seed

import (
	"os"
	"path/filepath"
	"testing"
)

// A relative seed path that is not next to the config resolves against the
// working directory, as Data Designer does.
func TestResolveFallsBackToWorkingDirectory(t *testing.T) {
	wd := t.TempDir()
	os.WriteFile(filepath.Join(wd, "rows.jsonl"), []byte(`{"a": 1}`+"\n"), 0o644)
	t.Chdir(wd)
	files, err := resolve(filepath.Join(wd, "elsewhere"), "rows.jsonl")
	if err != nil || len(files) != 1 || files[0] != "rows.jsonl" {
		t.Fatalf("files %v, err %v", files, err)
	}
	if _, err := resolve(filepath.Join(wd, "elsewhere"), "missing.jsonl"); err == nil {
		t.Fatal("a missing file must be an error")
	}
}
