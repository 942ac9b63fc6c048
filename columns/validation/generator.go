package validation

import (
	"context"
	"fmt"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
)

// errKind is the CellError kind of validation failures.
const errKind = "validation"

// validator checks one batch of inputs. An input is a target value (code
// validators) or a *value.Map of the row's target values (remote, command).
// It returns one result per input, in order, or an error for the whole
// batch. It is called concurrently and must not keep or mutate inputs.
type validator interface {
	validate(ctx context.Context, inputs []any) ([]result, error)
}

// generator is the Generator of one validation column.
type generator struct {
	column    string
	targets   []string
	batchSize int
	// perTarget: validate each target value on its own (code validators);
	// with several targets the cell is keyed by target column.
	perTarget bool
	v         validator
}

var _ BatchGenerator = (*generator)(nil)

// BatchSize returns the column's batch_size.
func (g *generator) BatchSize() int { return g.batchSize }

// Generate validates one row (a batch of 1).
func (g *generator) Generate(ctx context.Context, row columns.Row, out []any) error {
	return g.GenerateBatch(ctx, []columns.Row{row}, [][]any{out})[0]
}

// GenerateBatch validates rows in chunks of BatchSize; see BatchGenerator.
func (g *generator) GenerateBatch(ctx context.Context, rows []columns.Row, outs [][]any) []error {
	if len(rows) != len(outs) {
		panic(fmt.Sprintf("validation: %d rows but %d output slots", len(rows), len(outs)))
	}
	errs := make([]error, len(rows))
	for start := 0; start < len(rows); start += g.batchSize {
		end := min(start+g.batchSize, len(rows))
		g.runBatch(ctx, rows[start:end], outs[start:end], errs[start:end])
	}
	return errs
}

func (g *generator) cellError(row columns.Row, err error) *columns.CellError {
	return &columns.CellError{Row: row.Index(), Column: g.column, Kind: errKind, Err: err}
}

// runBatch validates one batch and fills outs and errs (all of len(rows)).
func (g *generator) runBatch(ctx context.Context, rows []columns.Row, outs [][]any, errs []error) {
	var (
		inputs []any
		owners []int // owners[k] is the index in rows of inputs[k]'s row
	)
	for i, row := range rows {
		vals := make([]any, len(g.targets))
		missing := ""
		for j, name := range g.targets {
			v, ok := row.Get(name)
			if !ok {
				missing = name
				break
			}
			vals[j] = v
		}
		if missing != "" {
			errs[i] = g.cellError(row, fmt.Errorf("target column %q has no value in this row", missing))
			continue
		}
		if g.perTarget {
			for _, v := range vals {
				inputs = append(inputs, v)
				owners = append(owners, i)
			}
			continue
		}
		m := value.NewMap()
		for j, name := range g.targets {
			m.Set(name, vals[j])
		}
		inputs = append(inputs, m)
		owners = append(owners, i)
	}
	if len(inputs) == 0 {
		return
	}

	results, err := g.v.validate(ctx, inputs)
	if err == nil && len(results) != len(inputs) {
		err = fmt.Errorf("validator returned %d results for %d inputs", len(results), len(inputs))
	}
	if err != nil {
		for _, i := range owners {
			errs[i] = g.cellError(rows[i], err)
		}
		return
	}

	if !g.perTarget {
		for k, i := range owners {
			outs[i][0] = results[k].value()
		}
		return
	}
	per := len(g.targets)
	for k := 0; k < len(results); k += per {
		i := owners[k]
		if per == 1 {
			outs[i][0] = results[k].value()
			continue
		}
		m := value.NewMap()
		for j, name := range g.targets {
			m.Set(name, results[k+j].value())
		}
		outs[i][0] = m
	}
}
