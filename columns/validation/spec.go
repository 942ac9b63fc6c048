package validation

import (
	"fmt"
	"strings"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// Config field names this package points diagnostics at.
const (
	fieldTargetColumns   = "target_columns"
	fieldValidatorType   = "validator_type"
	fieldValidatorParams = "validator_params"
	fieldBatchSize       = "batch_size"
	fieldCodeLang        = "code_lang"
	fieldEndpointURL     = "endpoint_url"
	fieldOutputSchema    = "output_schema"
	fieldTimeout         = "timeout"
	fieldMaxRetries      = "max_retries"
	fieldRetryBackoff    = "retry_backoff"
	fieldMaxParallel     = "max_parallel_requests"
	fieldCommand         = "command"
)

// Validator types (validator_type).
const (
	typeCode          = "code"
	typeRemote        = "remote"
	typeCommand       = "command"
	typeLocalCallable = "local_callable"
)

const (
	langPython       = "python"
	sqlPrefix        = "sql:"
	defaultBatchSize = 10
)

// Spec returns the validation column kind.
func Spec() columns.Spec {
	return columns.Spec{
		Kind: config.KindValidation,
		Summary: "checks other columns' values in batches: Python or SQL code checks, an HTTP endpoint, " +
			"or (ext) a local program; the value is {is_valid, messages}",
		Fields: columns.FieldsOf(config.ValidationColumn{}),
		Extra: map[string][]columns.FieldDoc{
			"validator_params (code)":         columns.FieldsOf(config.CodeValidatorParams{}),
			"validator_params (remote)":       columns.FieldsOf(config.RemoteValidatorParams{}),
			"validator_params (command, ext)": columns.FieldsOf(config.CommandValidatorParams{}),
		},
		Build: build,
	}
}

// build makes one unit per validation column.
func build(bc *columns.BuildContext, cols []config.Column) ([]*columns.Unit, config.Diagnostics) {
	var (
		units []*columns.Unit
		diags config.Diagnostics
	)
	for _, c := range cols {
		col, ok := c.(*config.ValidationColumn)
		if !ok {
			panic(fmt.Sprintf("validation: Build got a %T", c))
		}
		if u := buildColumn(bc, col, &diags); u != nil {
			units = append(units, u)
		}
	}
	return units, diags
}

// buildColumn returns nil when the column has errors (reported in diags).
func buildColumn(bc *columns.BuildContext, col *config.ValidationColumn, diags *config.Diagnostics) *columns.Unit {
	nErrs := len(diags.Errors())
	errorf := func(m *config.Meta, key, detail, format string, args ...any) {
		pos, path := m.At(key)
		*diags = append(*diags, config.Diagnostic{
			Severity: config.Error, Pos: pos, Path: path, Detail: detail,
			Summary: fmt.Sprintf("validation column %q: ", col.Name) + fmt.Sprintf(format, args...),
		})
	}

	targetsPos, targetsPath := col.Meta.At(fieldTargetColumns)
	if len(col.TargetColumns) == 0 {
		errorf(&col.Meta, fieldTargetColumns, "", "target_columns is empty")
	}
	seen := map[string]bool{}
	var deps []columns.Dep
	for _, t := range col.TargetColumns {
		if seen[t] {
			errorf(&col.Meta, fieldTargetColumns, "", "target column %q is listed twice", t)
		}
		seen[t] = true
		deps = append(deps, columns.Dep{Name: t, Pos: targetsPos, Path: targetsPath})
	}

	batchSize := defaultBatchSize
	if col.Meta.Has(fieldBatchSize) {
		batchSize = col.BatchSize
		if batchSize < 1 {
			errorf(&col.Meta, fieldBatchSize, "", "batch_size must be at least 1, got %d", batchSize)
		}
	}

	g := &generator{column: col.Name, targets: col.TargetColumns, batchSize: batchSize}
	mismatch := func() {
		errorf(&col.Meta, fieldValidatorParams, "",
			"validator_params do not match validator_type %q", col.ValidatorType)
	}
	switch col.ValidatorType {
	case typeLocalCallable:
		errorf(&col.Meta, fieldValidatorType,
			"use validator_type: command to run a local program on each batch, or remote to call an HTTP endpoint",
			"not supported: local_callable validators are Python functions and cannot run in synthgen")
	case typeCode:
		if col.Code == nil {
			mismatch()
			break
		}
		g.perTarget = true
		switch lang := col.Code.CodeLang; {
		case lang == langPython:
			v, err := newPythonValidator(bc.Logger)
			if err != nil {
				errorf(&col.Code.Meta, fieldCodeLang,
					"the python code validator compiles every value with python3 (like py_compile); "+
						"install Python 3 or choose another validator", "%v", err)
				break
			}
			g.v = v
		case strings.HasPrefix(lang, sqlPrefix):
			g.v = sqlValidator{dialect: strings.TrimPrefix(lang, sqlPrefix)}
		default:
			errorf(&col.Code.Meta, fieldCodeLang, "", "unknown code_lang %q", lang)
		}
	case typeRemote:
		if col.Remote == nil {
			mismatch()
			break
		}
		v, ds := newRemoteValidator(col.Name, col.Remote)
		*diags = append(*diags, ds...)
		g.v = v
	case typeCommand:
		if col.Command == nil {
			mismatch()
			break
		}
		v, ds := newCommandValidator(col.Name, col.Command, bc.BaseDir)
		*diags = append(*diags, ds...)
		g.v = v
	default:
		errorf(&col.Meta, fieldValidatorType, "", "unknown validator_type %q", col.ValidatorType)
	}
	if len(diags.Errors()) > nErrs {
		return nil
	}

	typ := resultType
	if g.perTarget && len(col.TargetColumns) > 1 {
		fields := make([]value.Field, len(col.TargetColumns))
		for i, t := range col.TargetColumns {
			fields[i] = value.Field{Name: t, Type: resultType}
		}
		typ = value.Struct(fields...)
	}
	return &columns.Unit{
		Kind:          config.KindValidation,
		Columns:       []string{col.Name},
		Outputs:       []columns.Output{{Name: col.Name, Type: typ, Column: col.Name, Drop: col.Drop}},
		Deps:          deps,
		Gen:           g,
		PropagateSkip: col.Propagates(),
		Pos:           col.Meta.Pos,
		Path:          col.Meta.Path,
	}
}
