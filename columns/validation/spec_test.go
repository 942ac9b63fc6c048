package validation

import (
	"strings"
	"testing"

	"github.com/synthgen/synthgen/config"
	"go.yaml.in/yaml/v3"
)

func TestBuildDiagnostics(t *testing.T) {
	zero, neg := 0, -1
	tests := []struct {
		name     string
		col      func(t *testing.T) *config.ValidationColumn
		wantPath string
		want     string
	}{
		{"local_callable", func(*testing.T) *config.ValidationColumn { return newCol("my_check", typeLocalCallable, "a") },
			"columns[2].validator_type",
			`validation column "my_check": not supported: local_callable validators are Python functions and cannot run in synthgen`},
		{"no targets", func(*testing.T) *config.ValidationColumn { return codeCol("v", "sql:ansi") },
			"columns[2].target_columns", `validation column "v": target_columns is empty`},
		{"duplicate target", func(*testing.T) *config.ValidationColumn { return codeCol("v", "sql:ansi", "a", "a") },
			"columns[2].target_columns", `validation column "v": target column "a" is listed twice`},
		{"batch_size 0", func(*testing.T) *config.ValidationColumn {
			c := codeCol("v", "sql:ansi", "a")
			c.Meta.Keys[fieldBatchSize] = config.Pos{File: "c.yaml", Line: 20, Col: 3}
			return c
		}, "columns[2].batch_size", `validation column "v": batch_size must be at least 1, got 0`},
		{"params do not match type", func(*testing.T) *config.ValidationColumn { return newCol("v", typeRemote, "a") },
			"columns[2].validator_params", `validation column "v": validator_params do not match validator_type "remote"`},
		{"python3 missing", func(t *testing.T) *config.ValidationColumn {
			t.Setenv("PATH", t.TempDir())
			return codeCol("py", langPython, "code")
		}, "columns[2].validator_params.code_lang", `validation column "py": python3 not found on PATH`},
		{"bad endpoint", func(*testing.T) *config.ValidationColumn { return remoteCol("r", "localhost:8080/check", "a") },
			"columns[2].validator_params.endpoint_url", `validation column "r": endpoint_url must be an http or https URL, got "localhost:8080/check"`},
		{"max_parallel_requests 0", func(*testing.T) *config.ValidationColumn {
			c := remoteCol("r", "http://127.0.0.1:1/v", "a")
			c.Remote.MaxParallelRequests = &zero
			return c
		}, "columns[2].validator_params.max_parallel_requests", `validation column "r": max_parallel_requests must be at least 1, got 0`},
		{"negative max_retries", func(*testing.T) *config.ValidationColumn {
			c := remoteCol("r", "http://127.0.0.1:1/v", "a")
			c.Remote.MaxRetries = &neg
			return c
		}, "columns[2].validator_params.max_retries", `validation column "r": max_retries must be 0 or more, got -1`},
		{"empty command", func(*testing.T) *config.ValidationColumn { return commandCol("c", nil, "a") },
			"columns[2].validator_params.command", `validation column "c": command is empty; give the program and its arguments`},
		{"program not found", func(*testing.T) *config.ValidationColumn {
			return commandCol("c", []string{"./no-such-checker", "--x"}, "a")
		}, "columns[2].validator_params.command", `validation column "c": command: exec: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			units, diags := Spec().Build(newBC(t), []config.Column{tt.col(t)})
			if len(units) != 0 {
				t.Errorf("Build made %d units despite errors", len(units))
			}
			errs := diags.Errors()
			if len(errs) != 1 {
				t.Fatalf("want 1 error, got %d: %v", len(errs), diags)
			}
			if errs[0].Path != tt.wantPath || !strings.HasPrefix(errs[0].Summary, tt.want) || errs[0].Pos.File != "c.yaml" {
				t.Errorf("got %s: %s (at %v)\nwant %s: %s…", errs[0].Path, errs[0].Summary, errs[0].Pos, tt.wantPath, tt.want)
			}
		})
	}
}

func TestBuildKeepsGoodColumnsAndWarnsOnOutputSchema(t *testing.T) {
	remote := remoteCol("r", "https://validator.example/check", "a")
	remote.Remote.OutputSchema = &yaml.Node{Kind: yaml.MappingNode}
	cols := []config.Column{codeCol("ok", "sql:ansi", "a"), newCol("bad", typeLocalCallable, "a"), remote}
	units, diags := Spec().Build(newBC(t), cols)
	if len(units) != 2 || units[0].Columns[0] != "ok" || units[1].Columns[0] != "r" {
		t.Fatalf("units %v", units)
	}
	if len(diags.Errors()) != 1 || len(diags.Warnings()) != 1 ||
		!strings.Contains(diags.Warnings()[0].Summary, "output_schema is not enforced") {
		t.Errorf("diagnostics: %v", diags)
	}
	u := units[0]
	if u.Kind != config.KindValidation || u.Path != "columns[2]" || !u.PropagateSkip || u.Outputs[0].Column != "ok" {
		t.Errorf("unit %+v", u)
	}
	if _, ok := u.Gen.(BatchGenerator); !ok {
		t.Errorf("Gen %T is not a BatchGenerator", u.Gen)
	}
}

func TestSpecFields(t *testing.T) {
	s := Spec()
	if s.Kind != config.KindValidation {
		t.Errorf("Kind %q", s.Kind)
	}
	byName := map[string]string{}
	for _, f := range s.Fields {
		byName[f.Name] = f.Type + " required=" + map[bool]string{true: "yes", false: "no"}[f.Required] + " default=" + f.Default
	}
	want := map[string]string{
		"name":           "string required=yes default=",
		"target_columns": "list of string required=yes default=",
		"batch_size":     "int required=no default=10",
		"drop":           "bool required=no default=false",
	}
	for k, v := range want {
		if byName[k] != v {
			t.Errorf("field %s: %q, want %q", k, byName[k], v)
		}
	}
	if len(s.Extra["validator_params (remote)"]) != 7 { // incl. validator_type, which Data Designer repeats inside params
		t.Errorf("remote params: %+v", s.Extra["validator_params (remote)"])
	}
}
