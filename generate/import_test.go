package generate

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/synthgen/synthgen"

// listedPackage is the part of `go list -json` output the test reads.
type listedPackage struct {
	ImportPath string
	Standard   bool
	Deps       []string
}

// within reports whether pkg is path or a package under it.
func within(pkg, path string) bool {
	return pkg == path || strings.HasPrefix(pkg, path+"/")
}

// TestImportDirection keeps imports pointing one way (ARCHITECTURE.md):
// cmd → generate → columns/... → config. Test files are not part of the
// graph `go list -deps` reports, so tests may still use the registry.
func TestImportDirection(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("no go command on PATH: the import check needs it")
	}
	cmd := exec.Command(goTool, "list", "-e", "-deps", "-json", "./...")
	cmd.Dir = ".." // the module root
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listedPackage{}
	standard := map[string]bool{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
		standard[p.ImportPath] = p.Standard
	}
	// The paths below must exist, or the checks would pass vacuously.
	for _, path := range []string{"generate", "generate/output", "config", "columns", "columns/registry", "columns/sampler", "columns/expression", "cmd/synthgen/cli", "tracing"} {
		if _, ok := pkgs[module+"/"+path]; !ok {
			t.Fatalf("go list did not report %s/%s", module, path)
		}
	}

	kinds := []string{"sampler", "expression", "seed", "validation", "llm", "embedding", "registry", "template"}
	for _, engine := range []string{module + "/generate", module + "/generate/output"} {
		for _, dep := range pkgs[engine].Deps {
			for _, k := range kinds {
				if within(dep, module+"/columns/"+k) {
					t.Errorf("%s imports %s: the engine must not know a specific column kind", engine, dep)
				}
			}
		}
	}

	for path, p := range pkgs {
		if !within(path, module+"/columns") {
			continue
		}
		for _, dep := range p.Deps {
			if within(dep, module+"/generate") || within(dep, module+"/cmd") {
				t.Errorf("%s imports %s: column kinds must not import the engine or the CLI", path, dep)
			}
		}
	}

	for _, dep := range pkgs[module+"/config"].Deps {
		switch {
		case within(dep, module):
			t.Errorf("config imports %s: config imports nothing from the module", dep)
		case standard[dep]:
		case within(dep, "go.yaml.in/yaml/v3"):
		default:
			t.Errorf("config imports %s: only the standard library and go.yaml.in/yaml/v3 are allowed", dep)
		}
	}

	for _, dep := range pkgs[module+"/tracing"].Deps {
		if !standard[dep] {
			t.Errorf("tracing imports %s: tracing uses the standard library only", dep)
		}
	}
}
