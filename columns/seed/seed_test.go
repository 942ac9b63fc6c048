package seed

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

func TestFormats(t *testing.T) {
	tests := []struct {
		give      string
		wantTypes string
		wantRow   map[string]any // row 0, values rendered as JSON
		wantRow2  map[string]any // row 2
	}{
		{
			give:      "people.csv",
			wantTypes: "name:string age:int height:float member:bool city:string note:string",
			wantRow:   map[string]any{"name": `"Ada"`, "age": "36", "height": "1.7", "member": "true", "city": `"London"`, "note": "null"},
			wantRow2:  map[string]any{"member": "true", "height": "1.8", "note": "null"},
		},
		{
			give:      "people.jsonl",
			wantTypes: "name:string age:int address:struct{zip string, city string, geo struct{lon float, lat float}} tags:list<string> nick:string",
			wantRow:   map[string]any{"name": `"Ada"`, "address": `{"zip": "N1", "city": "London", "geo": {"lon": -0.1, "lat": 51.5}}`, "tags": `["math", "engines"]`, "nick": "null"},
			wantRow2:  map[string]any{"nick": `"torvalds"`, "tags": `["kernels"]`},
		},
		{
			give:      "people.json",
			wantTypes: "name:string age:int score:float address:struct{zip string, city string}",
			wantRow:   map[string]any{"name": `"Ada"`, "score": "9.5", "address": `{"zip": "N1", "city": "London"}`},
			wantRow2:  map[string]any{"name": `"Linus"`, "age": "28"},
		},
		{
			give:      "people_lines.json",
			wantTypes: "name:string age:int",
			wantRow:   map[string]any{"name": `"Ada"`, "age": "36"},
			wantRow2:  map[string]any{"name": `"Ada"`}, // 2 rows: row 2 cycles to row 0
		},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			u := mustBuild(t, buildContext(localSeed(tt.give)))
			if got := outputTypes(u); got != tt.wantTypes {
				t.Errorf("outputs\n got %s\nwant %s", got, tt.wantTypes)
			}
			for i, want := range []map[string]any{tt.wantRow, tt.wantRow2} {
				got := row(t, u, int64(2*i))
				for k, w := range want {
					if g := jsonOf(got[k]); g != w {
						t.Errorf("row %d %s = %s, want %s", 2*i, k, g, w)
					}
				}
			}
		})
	}
}

func TestCSVValueTypes(t *testing.T) {
	u := mustBuild(t, buildContext(localSeed("people.csv")))
	got := row(t, u, 1)
	want := map[string]any{"name": "Grace", "age": int64(45), "height": 1.62, "member": false, "city": "New York", "note": "likes, commas"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("row 1 = %#v, want %#v", got, want)
	}
}

func TestJSONIntsWidenedInFloatColumn(t *testing.T) {
	u := mustBuild(t, buildContext(localSeed("people.json")))
	if got := row(t, u, 1)["score"]; got != float64(10) {
		t.Errorf("score = %#v, want float64(10)", got)
	}
}

func TestNestedJSONKeepsKeyOrder(t *testing.T) {
	u := mustBuild(t, buildContext(localSeed("people.jsonl")))
	if want := []string{"name", "age", "address", "tags", "nick"}; !slices.Equal(u.Columns, want) {
		t.Errorf("columns = %v, want %v (first-seen key order)", u.Columns, want)
	}
	addr := row(t, u, 1)["address"]
	if got, want := jsonOf(addr), `{"zip": "10001", "city": "New York", "geo": {"lon": -74.0, "lat": 40.7}}`; got != want {
		t.Errorf("address = %s, want %s", got, want)
	}
}

type parquetAddress struct {
	Zip  string  `parquet:"zip"`
	City string  `parquet:"city"`
	Unit *string `parquet:"unit,optional"`
}

type parquetPerson struct {
	Name    string         `parquet:"name"`
	Age     int32          `parquet:"age"`
	Visits  int64          `parquet:"visits"`
	Score   float32        `parquet:"score"`
	Height  float64        `parquet:"height"`
	Member  bool           `parquet:"member"`
	Born    time.Time      `parquet:"born,timestamp(millisecond)"`
	Tags    []string       `parquet:"tags,list"`
	Address parquetAddress `parquet:"address"`
	Nick    *string        `parquet:"nick,optional"`
	Scores  []int64        `parquet:"scores"`
}

var parquetPeople = []parquetPerson{
	{Name: "Ada", Age: 36, Visits: 1 << 40, Score: 9.5, Height: 1.7, Member: true,
		Born: time.Date(1815, 12, 10, 8, 30, 0, 0, time.UTC), Tags: []string{"math", "engines"},
		Address: parquetAddress{Zip: "N1", City: "London", Unit: ptr("4B")}, Scores: []int64{1, 2}},
	{Name: "Grace", Age: 45, Score: 10, Height: 1.62,
		Born: time.Date(1906, 12, 9, 0, 0, 0, 0, time.UTC), Tags: []string{},
		Address: parquetAddress{Zip: "10001", City: "New York"}, Nick: ptr("amazing grace")},
	{Name: "Linus", Age: 28, Score: 8.25, Height: 1.8, Member: true,
		Born: time.Date(1969, 12, 28, 23, 59, 59, 123000000, time.UTC), Tags: []string{"kernels"},
		Address: parquetAddress{Zip: "00100", City: "Helsinki"}, Scores: []int64{3}},
}

// writeParquet writes rows to dir/name with parquet-go (the fixture is
// generated rather than committed).
func writeParquet[T any](t *testing.T, dir, name string, rows []T) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParquet(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, dir, "people.parquet", parquetPeople)
	bc := buildContext(localSeed("people.parquet"))
	bc.BaseDir = dir
	u := mustBuild(t, bc)

	wantTypes := "name:string age:int visits:int score:float height:float member:bool born:string tags:list<string> " +
		"address:struct{zip string, city string, unit string} nick:string scores:list<int>"
	if got := outputTypes(u); got != wantTypes {
		t.Errorf("outputs\n got %s\nwant %s", got, wantTypes)
	}
	tests := []struct {
		row  int64
		want map[string]string // JSON of each value
	}{
		{0, map[string]string{
			"name": `"Ada"`, "age": "36", "visits": "1099511627776", "score": "9.5", "height": "1.7", "member": "true",
			"born": `"1815-12-10T08:30:00Z"`, "tags": `["math", "engines"]`,
			"address": `{"zip": "N1", "city": "London", "unit": "4B"}`, "nick": "null", "scores": "[1, 2]",
		}},
		{1, map[string]string{
			"member": "false", "tags": "[]", "address": `{"zip": "10001", "city": "New York", "unit": null}`,
			"nick": `"amazing grace"`, "scores": "[]", "score": "10.0",
		}},
		{2, map[string]string{"born": `"1969-12-28T23:59:59.123Z"`, "scores": "[3]", "tags": `["kernels"]`}},
	}
	for _, tt := range tests {
		got := row(t, u, tt.row)
		for k, w := range tt.want {
			if g := jsonOf(got[k]); g != w {
				t.Errorf("row %d %s = %s, want %s", tt.row, k, g, w)
			}
		}
	}
	if v := row(t, u, 0)["age"]; v != int64(36) {
		t.Errorf("age = %#v, want int64(36)", v)
	}
}

func TestParquetGlob(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, dir, "b.parquet", parquetPeople[2:])
	writeParquet(t, dir, "a.parquet", parquetPeople[:2])
	bc := buildContext(localSeed(filepath.Join(dir, "*.parquet"))) // absolute glob ignores BaseDir
	u := mustBuild(t, bc)
	got := column(t, u, "name", 3)
	if want := []any{"Ada", "Grace", "Linus"}; !reflect.DeepEqual(got, want) {
		t.Errorf("names = %v, want %v", got, want)
	}
}

func TestGlobConcatenatesInSortedOrder(t *testing.T) {
	u := mustBuild(t, buildContext(localSeed("parts/*.jsonl")))
	if want := []string{"name", "n"}; !slices.Equal(u.Columns, want) {
		t.Errorf("columns = %v, want %v", u.Columns, want)
	}
	if got, want := column(t, u, "name", 3), []any{"Ada", "Grace", "Linus"}; !reflect.DeepEqual(got, want) {
		t.Errorf("names = %v, want %v", got, want)
	}
	if got, want := column(t, u, "n", 3), []any{int64(1), int64(2), int64(3)}; !reflect.DeepEqual(got, want) {
		t.Errorf("n = %v, want %v (columns matched by name across files)", got, want)
	}
}

func TestDatasetForm(t *testing.T) {
	sc := localSeed("")
	sc.Source, sc.Dataset = nil, "people.csv"
	u := mustBuild(t, buildContext(sc))
	if len(u.Columns) != 6 {
		t.Errorf("columns = %v", u.Columns)
	}
}

func TestUnitShape(t *testing.T) {
	u := mustBuild(t, buildContext(localSeed("people.csv")))
	if u.Kind != "seed-dataset" || u.Pos != seedPos || u.Path != "seed_config" || u.PropagateSkip || u.Deps != nil || u.Skip != nil {
		t.Errorf("unit = kind %q pos %v path %q propagate %v deps %v", u.Kind, u.Pos, u.Path, u.PropagateSkip, u.Deps)
	}
	for i, o := range u.Outputs {
		if o.Name != u.Columns[i] || o.Column != o.Name || o.Drop {
			t.Errorf("output %d = %+v", i, o)
		}
	}
}

func TestOrderedCycles(t *testing.T) {
	u := mustBuild(t, buildContext(localSeed("people.csv")))
	got := column(t, u, "name", 8)
	want := []any{"Ada", "Grace", "Linus", "Ada", "Grace", "Linus", "Ada", "Grace"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("names = %v, want %v", got, want)
	}
}

func shuffled(t *testing.T, seed uint64, sel *config.SelectionStrategy, n int) []any {
	t.Helper()
	sc := localSeed("ten.csv")
	sc.SamplingStrategy = Shuffle
	sc.SelectionStrategy = sel
	bc := buildContext(sc)
	bc.Seed = seed
	return column(t, mustBuild(t, bc), "id", n)
}

func TestShuffleEachPassIsAPermutation(t *testing.T) {
	const n, passes = 10, 6
	got := shuffled(t, 42, nil, n*passes)
	var orders [][]any
	for p := range passes {
		pass := got[p*n : (p+1)*n]
		ids := make([]int, 0, n)
		for _, v := range pass {
			ids = append(ids, int(v.(int64)))
		}
		slices.Sort(ids)
		for i, id := range ids {
			if id != i {
				t.Fatalf("pass %d = %v: not every seed row exactly once", p, pass)
			}
		}
		orders = append(orders, pass)
	}
	distinct := map[string]bool{}
	for _, o := range orders {
		distinct[jsonOf(o)] = true
	}
	if len(distinct) < passes-1 {
		t.Errorf("passes are not reshuffled: %v", orders)
	}
	if ordered := []any{int64(0), int64(1), int64(2), int64(3), int64(4), int64(5), int64(6), int64(7), int64(8), int64(9)}; reflect.DeepEqual(orders[0], ordered) {
		t.Errorf("pass 0 is not shuffled: %v", orders[0])
	}
}

func TestShuffleDeterministic(t *testing.T) {
	a := shuffled(t, 42, nil, 35)
	if b := shuffled(t, 42, nil, 35); !reflect.DeepEqual(a, b) {
		t.Errorf("same seed, different rows:\n%v\n%v", a, b)
	}
	if c := shuffled(t, 7, nil, 35); reflect.DeepEqual(a, c) {
		t.Errorf("different seeds gave the same rows: %v", a)
	}

	// Independent of scheduling: rows generated concurrently in reverse
	// order by a fresh unit get the same values.
	sc := localSeed("ten.csv")
	sc.SamplingStrategy = Shuffle
	u := mustBuild(t, buildContext(sc))
	got := make([]any, len(a))
	var wg sync.WaitGroup
	for i := len(a) - 1; i >= 0; i-- {
		wg.Go(func() {
			out := make([]any, len(u.Outputs))
			if err := u.Gen.Generate(t.Context(), fakeRow(i), out); err != nil {
				t.Error(err)
			}
			got[i] = out[0]
		})
	}
	wg.Wait()
	if !reflect.DeepEqual(a, got) {
		t.Errorf("concurrent reverse order differs:\n%v\n%v", a, got)
	}
}

func TestSelection(t *testing.T) {
	tests := []struct {
		name string
		give *config.SelectionStrategy
		want []int64 // ids of rows 0..len-1 (ordered)
	}{
		{"range end inclusive", selection(ptr(2), ptr(4), nil, nil), []int64{2, 3, 4, 2, 3}},
		{"range one row", selection(ptr(9), ptr(9), nil, nil), []int64{9, 9}},
		{"first partition", selection(nil, nil, ptr(0), ptr(3)), []int64{0, 1, 2, 0}},
		{"middle partition", selection(nil, nil, ptr(1), ptr(3)), []int64{3, 4, 5, 3}},
		{"last partition takes the remainder", selection(nil, nil, ptr(2), ptr(3)), []int64{6, 7, 8, 9, 6}},
		{"num_partitions defaults to 1", selection(nil, nil, ptr(0), nil), []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0}},
		{"empty mapping selects everything", selection(nil, nil, nil, nil), []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := localSeed("ten.csv")
			sc.SelectionStrategy = tt.give
			got := column(t, mustBuild(t, buildContext(sc)), "id", len(tt.want))
			for i, w := range tt.want {
				if got[i] != w {
					t.Fatalf("ids = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestShuffleStaysInSelection(t *testing.T) {
	got := shuffled(t, 42, selection(ptr(3), ptr(6), nil, nil), 8)
	for p := range 2 {
		var ids []int
		for _, v := range got[p*4 : (p+1)*4] {
			ids = append(ids, int(v.(int64)))
		}
		slices.Sort(ids)
		if !slices.Equal(ids, []int{3, 4, 5, 6}) {
			t.Errorf("pass %d = %v, want a permutation of 3..6", p, got[p*4:(p+1)*4])
		}
	}
}

func TestDeclaredColumns(t *testing.T) {
	bc := buildContext(localSeed("people.csv"), seedColumn("age", true), seedColumn("name", false))
	u := mustBuild(t, bc, seedColumn("age", true), seedColumn("name", false))
	drops := map[string]bool{}
	for _, o := range u.Outputs {
		drops[o.Name] = o.Drop
	}
	want := map[string]bool{"name": false, "age": true, "height": false, "member": false, "city": false, "note": false}
	if !reflect.DeepEqual(drops, want) {
		t.Errorf("drops = %v, want %v (undeclared seed columns are still output)", drops, want)
	}
}

func TestNoSeedConfig(t *testing.T) {
	u, diags := Build(buildContext(nil), nil)
	if u != nil || len(diags) != 0 {
		t.Errorf("Build = %v, %v; want nil, nil", u, diags)
	}
}

func TestSpec(t *testing.T) {
	s := Spec()
	if s.Kind != config.KindSeedDataset {
		t.Errorf("kind = %q", s.Kind)
	}
	var names []string
	for _, f := range s.Fields {
		names = append(names, f.Name)
	}
	if want := []string{"name", "column_type", "drop", "allow_resize"}; !slices.Equal(names, want) {
		t.Errorf("fields = %v, want %v", names, want)
	}
	var src []string
	for _, f := range s.Extra["seed_config.source"] {
		src = append(src, f.Name+"="+strings.Join(f.Enum, "|"))
	}
	if want := []string{"seed_type=local|hf|df|trace", "path=", "token=", "endpoint=", "format="}; !slices.Equal(src, want) {
		t.Errorf("source fields = %v, want %v", src, want)
	}
	for _, f := range s.Extra["seed_config.selection_strategy"] {
		if f.Doc == "" || f.Type != "int" {
			t.Errorf("selection field %+v lacks a doc or type", f)
		}
	}
	units, diags := s.Build(buildContext(localSeed("people.csv")), []config.Column{seedColumn("name", false)})
	if units != nil || diags != nil {
		t.Errorf("Spec().Build = %v, %v; want nothing (the planner calls seed.Build)", units, diags)
	}
}

var _ columns.Generator = (*generator)(nil)
