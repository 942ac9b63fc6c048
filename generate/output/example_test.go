package output_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate/output"
)

func Example() {
	dir, _ := os.MkdirTemp("", "synthgen-example")
	defer os.RemoveAll(dir)

	person := value.Struct(value.Field{Name: "name", Type: value.String}, value.Field{Name: "age", Type: value.Int})
	cols := []output.Column{
		{Name: "id", Type: value.Int},
		{Name: "person", Type: person},
		{Name: "tags", Type: value.List(value.String)},
	}
	ada := value.NewMap()
	ada.Set("name", "Ada")
	rows := [][]any{
		{int64(1), ada, []any{"math", "poetry"}},
		{int64(2), nil, []any{}},
	}

	path := filepath.Join(dir, "batch_00000.parquet")
	if err := output.WriteParquetFile(path, cols, rows); err != nil {
		fmt.Println(err)
		return
	}
	readCols, readRows, err := output.ReadParquetFile(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range readCols {
		fmt.Printf("%s %s\n", c.Name, c.Type)
	}
	for _, row := range readRows {
		fmt.Println(value.CompactJSON(row))
	}

	w, err := output.NewWriter(output.FormatCSV, filepath.Join(dir, "dataset.csv"), cols)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Write(rows); err != nil {
		fmt.Println(err)
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "dataset.csv"))
	fmt.Print(string(csv))
	// Output:
	// id int
	// person struct{name string, age int}
	// tags list<string>
	// [1,{"name":"Ada","age":null},["math","poetry"]]
	// [2,null,[]]
	// id,person,tags
	// 1,"{""name"":""Ada""}","[""math"",""poetry""]"
	// 2,,[]
}
