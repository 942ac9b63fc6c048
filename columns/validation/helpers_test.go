package validation

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// testRow is a row of fixed values.
type testRow struct {
	index int64
	vals  map[string]any
}

func (r testRow) Index() int64                 { return r.index }
func (r testRow) Get(name string) (any, bool)  { v, ok := r.vals[name]; return v, ok }
func row(i int64, vals map[string]any) testRow { return testRow{index: i, vals: vals} }
func codeRows(target string, srcs ...any) []columns.Row {
	rows := make([]columns.Row, len(srcs))
	for i, s := range srcs {
		rows[i] = row(int64(i), map[string]any{target: s})
	}
	return rows
}

func meta(path string, keys ...string) config.Meta {
	m := config.Meta{Pos: config.Pos{File: "c.yaml", Line: 10, Col: 5}, Path: path, Keys: map[string]config.Pos{}}
	for i, k := range keys {
		m.Keys[k] = config.Pos{File: "c.yaml", Line: 11 + i, Col: 7}
	}
	return m
}

func newCol(name, vtype string, targets ...string) *config.ValidationColumn {
	col := &config.ValidationColumn{TargetColumns: targets, ValidatorType: vtype}
	col.Name = name
	col.ColumnType = config.KindValidation
	col.Meta = meta("columns[2]", "name", "target_columns", "validator_type", "validator_params")
	return col
}

func codeCol(name, lang string, targets ...string) *config.ValidationColumn {
	col := newCol(name, typeCode, targets...)
	col.Code = &config.CodeValidatorParams{CodeLang: lang, Meta: meta("columns[2].validator_params", "code_lang")}
	return col
}

func remoteCol(name, url string, targets ...string) *config.ValidationColumn {
	col := newCol(name, typeRemote, targets...)
	col.Remote = &config.RemoteValidatorParams{EndpointURL: url, Meta: meta("columns[2].validator_params", "endpoint_url")}
	return col
}

func commandCol(name string, argv []string, targets ...string) *config.ValidationColumn {
	col := newCol(name, typeCommand, targets...)
	col.Command = &config.CommandValidatorParams{Command: argv, Meta: meta("columns[2].validator_params", "command")}
	return col
}

func newBC(t *testing.T) *columns.BuildContext {
	return &columns.BuildContext{Doc: &config.Document{}, BaseDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}
}

func buildOne(t *testing.T, bc *columns.BuildContext, col config.Column) (*columns.Unit, *generator) {
	t.Helper()
	units, diags := Spec().Build(bc, []config.Column{col})
	if diags.HasErrors() {
		t.Fatalf("Build: %v", diags)
	}
	if len(units) != 1 {
		t.Fatalf("Build made %d units, want 1", len(units))
	}
	return units[0], units[0].Gen.(*generator)
}

// generateAll runs one GenerateBatch and returns each row's cell as JSON.
func generateAll(t *testing.T, g BatchGenerator, rows []columns.Row) ([]string, []error) {
	t.Helper()
	outs := make([][]any, len(rows))
	for i := range outs {
		outs[i] = make([]any, 1)
	}
	errs := g.GenerateBatch(context.Background(), rows, outs)
	if len(errs) != len(rows) {
		t.Fatalf("GenerateBatch returned %d errors for %d rows", len(errs), len(rows))
	}
	got := make([]string, len(rows))
	for i, o := range outs {
		if o[0] != nil {
			got[i] = value.JSON(o[0])
		}
	}
	return got, errs
}

func mustSucceed(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
}

// asCellError checks err is a validation *columns.CellError of row and column.
func asCellError(t *testing.T, err error, row int64, column string) *columns.CellError {
	t.Helper()
	var ce *columns.CellError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *columns.CellError", err, err)
	}
	if ce.Row != row || ce.Column != column || ce.Kind != errKind {
		t.Fatalf("CellError{Row: %d, Column: %q, Kind: %q}, want {%d, %q, %q}", ce.Row, ce.Column, ce.Kind, row, column, errKind)
	}
	return ce
}

// writeScript writes an executable shell script into dir.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// prependPath puts dir first on PATH for the test.
func prependPath(t *testing.T, dir string) {
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not on PATH", name)
	}
	return p
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
