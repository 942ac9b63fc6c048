package sampler_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/sampler"
	"github.com/synthgen/synthgen/config"
)

type row int64

func (r row) Index() int64           { return int64(r) }
func (r row) Get(string) (any, bool) { return nil, false }

func Example() {
	cols := []config.Column{
		&config.SamplerColumn{
			ColumnBase:  config.ColumnBase{Name: "low", ColumnType: config.KindSampler},
			SamplerType: config.SamplerUniform,
			Params:      &config.UniformParams{Low: 0, High: 10, DecimalPlaces: new(int)},
		},
		&config.SamplerColumn{
			ColumnBase:  config.ColumnBase{Name: "high", ColumnType: config.KindSampler},
			SamplerType: config.SamplerUniform,
			Params:      &config.UniformParams{Low: 0, High: 10, DecimalPlaces: new(int)},
		},
	}
	doc := &config.Document{Columns: cols, Constraints: []config.Constraint{
		{TargetColumn: "low", Operator: "lt", RHSColumn: "high"},
	}}
	bc := &columns.BuildContext{Doc: doc, Seed: 42, Logger: slog.Default()}
	units, diags := sampler.Spec().Build(bc, cols)
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	u := units[0] // one unit: the constraint links both columns
	fmt.Println(u.Columns)
	for i := range 3 {
		out := make([]any, len(u.Outputs))
		if err := u.Gen.Generate(context.Background(), row(i), out); err != nil {
			fmt.Println(err)
		}
		fmt.Println(out[0].(float64) < out[1].(float64))
	}
	// Output:
	// [low high]
	// true
	// true
	// true
}
