package embedding

import (
	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// Type is the value of an embedding column.
var Type = value.Struct(
	value.Field{Name: "embeddings", Type: value.List(value.List(value.Float))},
	value.Field{Name: "num_embeddings", Type: value.Int},
	value.Field{Name: "dimension", Type: value.Int},
)

// Spec returns the embedding kind.
func Spec() columns.Spec {
	return columns.Spec{
		Kind:    config.KindEmbedding,
		Summary: "embedding vectors of another column's text",
		Fields:  columns.FieldsOf(config.EmbeddingColumn{}),
		Build: func(bc *columns.BuildContext, cols []config.Column) ([]*columns.Unit, config.Diagnostics) {
			var diags config.Diagnostics
			var units []*columns.Unit
			models := bc.Doc.Models()
			for _, col := range cols {
				c := col.(*config.EmbeddingColumn)
				if m, ok := models[c.ModelAlias]; ok && (m.InferenceParameters == nil || m.InferenceParameters.GenerationType != "embedding") {
					pos, path := c.Meta.At("model_alias")
					diags.Errorf(pos, path, "column %q: model %q is not an embedding model (set inference_parameters.generation_type: embedding)", c.Name, c.ModelAlias)
				}
				pos, path := c.Meta.At("target_column")
				units = append(units, &columns.Unit{
					Kind:          config.KindEmbedding,
					Columns:       []string{c.Name},
					Outputs:       []columns.Output{{Name: c.Name, Type: Type, Column: c.Name, Drop: c.Drop}},
					Deps:          []columns.Dep{{Name: c.TargetColumn, Pos: pos, Path: path}},
					PropagateSkip: c.Propagates(),
					Pos:           c.Meta.Pos,
					Path:          c.Meta.Path,
				})
			}
			return units, diags
		},
	}
}
