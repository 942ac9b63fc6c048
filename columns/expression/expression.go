package expression

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/template"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// Kind is the CellError.Kind of a failed expression cell.
const Kind = "expression"

// dtypes maps each dtype to the type of the column it makes.
var dtypes = map[string]value.Type{
	"str":   value.String,
	"int":   value.Int,
	"float": value.Float,
	"bool":  value.Bool,
}

// ErrEmpty is the error of a cell whose expression rendered only whitespace.
var ErrEmpty = errors.New("rendered empty")

// CastError is the error of a cell whose rendered text does not convert to
// the column's dtype.
type CastError struct {
	Text   string // the rendered text
	Dtype  string // int, float or bool
	Reason string
}

func (e *CastError) Error() string {
	return fmt.Sprintf("cannot cast %s to %s: %s", quoteShort(e.Text), e.Dtype, e.Reason)
}

// Spec returns the expression kind.
func Spec() columns.Spec {
	return columns.Spec{
		Kind:    config.KindExpression,
		Summary: "a Jinja template rendered per row, cast to dtype (str, int, float, bool)",
		Fields:  columns.FieldsOf(config.ExpressionColumn{}),
		Build:   build,
	}
}

func build(_ *columns.BuildContext, cols []config.Column) ([]*columns.Unit, config.Diagnostics) {
	var (
		units []*columns.Unit
		diags config.Diagnostics
	)
	for _, col := range cols {
		c := col.(*config.ExpressionColumn)
		pos, path := c.Meta.At("expr")
		dtype := c.Dtype
		if dtype == "" {
			dtype = "str"
		}
		typ, ok := dtypes[dtype]
		if !ok {
			dpos, dpath := c.Meta.At("dtype")
			diags.Errorf(dpos, dpath, "dtype of column %q must be one of str, int, float, bool, got %q", c.Name, c.Dtype)
			continue
		}
		if strings.TrimSpace(c.Expr) == "" {
			if c.Meta.Has("expr") { // a missing expr is reported by the decoder
				diags.Errorf(pos, path, "expr of column %q is empty", c.Name)
			}
			continue
		}
		tpl, err := template.Parse(c.Expr)
		if err != nil {
			diags.Errorf(pos, path, "expr of column %q: invalid template: %v", c.Name, err)
			continue
		}
		u := &columns.Unit{
			Kind:          config.KindExpression,
			Columns:       []string{c.Name},
			Outputs:       []columns.Output{{Name: c.Name, Type: typ, Column: c.Name, Drop: c.Drop}},
			Gen:           &generator{column: c.Name, dtype: dtype, tpl: tpl, refs: tpl.Refs()},
			PropagateSkip: c.Propagates(),
			Pos:           c.Meta.Pos,
			Path:          c.Meta.Path,
		}
		for _, ref := range tpl.Refs() {
			u.Deps = append(u.Deps, columns.Dep{Name: ref, Pos: pos, Path: path})
		}
		units = append(units, u)
	}
	return units, diags
}

// generator renders one expression column. It holds no per-row state, so
// Generate is safe for concurrent use.
type generator struct {
	column string
	dtype  string
	tpl    *template.Template
	refs   []string
}

func (g *generator) Generate(_ context.Context, row columns.Row, out []any) error {
	text, err := g.tpl.Render(template.RowVars(row, g.refs))
	if err != nil {
		return g.cellError(row, fmt.Errorf("rendering expr: %w", err))
	}
	v, err := Cast(text, g.dtype)
	if err != nil {
		return g.cellError(row, err)
	}
	out[0] = v
	return nil
}

func (g *generator) cellError(row columns.Row, err error) error {
	return &columns.CellError{Row: row.Index(), Column: g.column, Kind: Kind, Err: err}
}

// Cast converts a rendered expression to dtype, as Data Designer does:
//   - str: the text as rendered;
//   - int: parsed through float after trimming, truncated toward zero
//     (" 4 " → 4, "3.0" → 3, "3.7" → 3);
//   - float: parsed after trimming;
//   - bool: true/false in any case, or a number equal to 1 or 0.
//
// Text that is empty after trimming is ErrEmpty for every dtype; text that
// does not convert is a *CastError.
func Cast(text, dtype string) (any, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return nil, ErrEmpty
	}
	switch dtype {
	case "", "str":
		return text, nil
	case "int":
		if i, err := strconv.ParseInt(t, 10, 64); err == nil {
			return i, nil
		}
		f, err := parseFloat(t)
		if err != nil {
			return nil, &CastError{Text: text, Dtype: dtype, Reason: "not a number"}
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || f >= 1<<63 || f < -(1<<63) {
			return nil, &CastError{Text: text, Dtype: dtype, Reason: "out of the int64 range"}
		}
		return int64(f), nil
	case "float":
		f, err := parseFloat(t)
		if err != nil {
			return nil, &CastError{Text: text, Dtype: dtype, Reason: "not a number"}
		}
		return f, nil
	case "bool":
		switch strings.ToLower(t) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		f, err := parseFloat(t)
		switch {
		case err != nil:
			return nil, &CastError{Text: text, Dtype: dtype, Reason: "expected true, false, 1 or 0"}
		case f == 1:
			return true, nil
		case f == 0:
			return false, nil
		}
		return nil, &CastError{Text: text, Dtype: dtype, Reason: "a number other than 1 or 0"}
	}
	return nil, fmt.Errorf("unknown dtype %q", dtype)
}

// parseFloat parses a decimal number the way Python's float() does for
// typical text; unlike strconv it rejects Go-only forms such as hex floats.
func parseFloat(s string) (float64, error) {
	if strings.ContainsAny(s, "xXpP_") {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseFloat(s, 64)
}

// quoteShort quotes s, shortened to keep error messages readable.
func quoteShort(s string) string {
	const limit = 80
	if r := []rune(s); len(r) > limit {
		return strconv.Quote(string(r[:limit])) + "…"
	}
	return strconv.Quote(s)
}
