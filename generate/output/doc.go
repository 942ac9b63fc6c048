// Package output writes and reads synthgen's dataset files: Parquet batch
// files, the one combined file of --output-format (parquet, jsonl or csv),
// and metadata.json.
//
// Every file is written atomically: to a temporary file in the same
// directory that is synced and renamed into place, so a crash never leaves
// a partial file under its final name. Parquet columns are native nested
// types (structs, lists, lists of structs such as the __trace column) that
// DuckDB and Arrow-based readers load as they are; see WriteParquetFile for
// the type mapping.
//
//	cols := []output.Column{
//		{Name: "name", Type: value.String},
//		{Name: "tags", Type: value.List(value.String)},
//	}
//	rows := [][]any{{"Ada", []any{"math"}}, {nil, []any{}}}
//	err := output.WriteParquetFile("parquet-files/batch_00000.parquet", cols, rows)
//
//	w, err := output.NewWriter(output.FormatJSONL, "dataset.jsonl", cols)
//	err = w.Write(rows) // as often as needed, rows appended in order
//	err = w.Close()     // dataset.jsonl appears now
//
//	cols, rows, err = output.ReadParquetFile("parquet-files/batch_00000.parquet")
//
//	err = output.WriteFileAtomic("metadata.json", data)
package output
