package validation_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/validation"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

type exampleRow map[string]any

func (r exampleRow) Index() int64                { return 0 }
func (r exampleRow) Get(name string) (any, bool) { v, ok := r[name]; return v, ok }

func Example() {
	col := &config.ValidationColumn{
		TargetColumns: []string{"query"},
		ValidatorType: "code",
		Code:          &config.CodeValidatorParams{CodeLang: "sql:postgres"},
	}
	col.Name = "query_check"
	bc := &columns.BuildContext{Doc: &config.Document{}, Logger: slog.New(slog.DiscardHandler)}
	units, diags := validation.Spec().Build(bc, []config.Column{col})
	if diags.HasErrors() {
		panic(diags)
	}
	gen := units[0].Gen.(validation.BatchGenerator)

	rows := []columns.Row{
		exampleRow{"query": "SELECT name FROM users WHERE id = 1"},
		exampleRow{"query": "SELECT COUNT(* FROM users"},
	}
	outs := [][]any{make([]any, 1), make([]any, 1)}
	for i, err := range gen.GenerateBatch(context.Background(), rows, outs) {
		if err != nil {
			panic(err)
		}
		fmt.Println(value.JSON(outs[i][0]))
	}
	// Output:
	// {"is_valid": true, "messages": []}
	// {"is_valid": false, "messages": ["line 1: unbalanced brackets: \"(\" is never closed"]}
}

func ExamplePrograms() {
	py := &config.ValidationColumn{ValidatorType: "code", Code: &config.CodeValidatorParams{CodeLang: "python"}}
	py.Name = "code_ok"
	remote := &config.ValidationColumn{ValidatorType: "remote",
		Remote: &config.RemoteValidatorParams{EndpointURL: "https://lint.example.com/v1"}}
	remote.Name = "lint"
	cmd := &config.ValidationColumn{ValidatorType: "command",
		Command: &config.CommandValidatorParams{Command: []string{"./check.py", "--strict mode"}}}
	cmd.Name = "local"
	doc := &config.Document{Columns: []config.Column{py, remote, cmd}}

	for _, a := range validation.Programs(doc) {
		fmt.Println(a)
	}
	// Output:
	// validation column code_ok: runs python3 -I -c <syntax-check script> (compiles each value without running it)
	// validation column code_ok: runs ruff check --isolated --no-cache --exit-zero --output-format=json --select E,F6,F7,F8,SIM,PLC,PLE,PLR,PLW <snippet files> (only when ruff is on PATH)
	// validation column lint: sends rows to POST https://lint.example.com/v1
	// validation column local: runs ./check.py "--strict mode"
}
