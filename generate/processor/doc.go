// Package processor builds the schema_transform processors of a config: each
// one writes an additional dataset, under processors-files/<name>/, whose
// rows are documents rendered from a template mapping for every row of the
// main dataset (for example, a chat-format training file).
//
//	processors:
//	  - name: chat
//	    processor_type: schema_transform
//	    template:
//	      messages:
//	        - {role: system, content: "You answer questions about {{ topic }}."}
//	        - {role: user, content: "{{ question }}"}
//	        - {role: assistant, content: "{{ answer }}"}
//
// The template is compiled once, after the plan, against the plan's outputs:
//
//	transforms, diags := processor.Build(doc, plan.Outputs)
//	for _, t := range transforms {
//		t.Columns() // messages list<struct{role string, content string}>
//	}
//	rows, err := t.Rows(viewsOfTheGroup) // one []any per row, in Columns order
//
// Semantics:
//   - Each top-level key of the template is a column of the dataset.
//   - A string leaf is a Jinja template rendered with the row's values: every
//     generated column, dropped ones and side-effect columns (x__trace)
//     included. The leaf yields the rendered text (type string).
//   - A string leaf that is exactly one expression naming a column, such as
//     "{{ question }}" or "{{ answer__trace }}" (whitespace inside the braces
//     allowed, no filters, nothing around it), yields that column's value
//     itself, with the column's type: a list stays a list, a struct a struct.
//   - Other scalars (numbers, booleans, null) stay as they are; a null
//     literal is a null of type string.
//   - A nested mapping is a struct (a *value.Map, keys in template order); a
//     sequence is a list whose element type is value.Merge of its items'
//     types (null items ignored; items that do not merge give a JSON list).
//   - Every name a leaf references must be a column of the plan; an unknown
//     name or a template that does not parse is a config diagnostic at the
//     leaf, with a path such as processors[0].template.messages[1].content.
//     A processor's name must be usable as a folder name.
//
// The dataset has one Parquet file per row group, with the id of the main
// batch file and the main file's rows in the same order (dropped rows are
// not in either). Processors only run in `synthgen create`; preview ignores
// them, and --output-format affects only the main dataset.
//
// A *SchemaTransform is immutable after Build: Columns, Render and Rows may
// be called concurrently.
package processor
