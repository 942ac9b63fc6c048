package seed

import (
	"reflect"
	"testing"
	"time"
)

func TestInferCells(t *testing.T) {
	tests := []struct {
		give []any
		want []any
	}{
		{[]any{"1", nil, "-20"}, []any{int64(1), nil, int64(-20)}},
		{[]any{"1", "2.5", "1e3"}, []any{1.0, 2.5, 1000.0}},
		{[]any{"true", "FALSE", nil, "True"}, []any{true, false, nil, true}},
		{[]any{"1", "x"}, []any{"1", "x"}},
		{[]any{"1", "true"}, []any{"1", "true"}},
		{[]any{"nan", "1"}, []any{"nan", "1"}},
		{[]any{"Infinity"}, []any{"Infinity"}},
		{[]any{"007", "10"}, []any{int64(7), int64(10)}},
		{[]any{nil, nil}, []any{nil, nil}},
	}
	for _, tt := range tests {
		if got := inferCells(tt.give); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("inferCells(%v) = %#v, want %#v", tt.give, got, tt.want)
		}
	}
}

type parquetLogical struct {
	Day     int32            `parquet:"day,date"` // days since 1970-01-01
	Price   int32            `parquet:"price,decimal(2:9)"`
	ID      [16]byte         `parquet:"id,uuid"`
	Meta    string           `parquet:"meta,json"`
	Counts  map[string]int64 `parquet:"counts"`
	Blob    []byte           `parquet:"blob"`
	Micros  time.Time        `parquet:"micros,timestamp(microsecond)"`
	Unsized []int32          `parquet:"unsized,list"`
	Items   []parquetItem    `parquet:"items,list"`
}

type parquetItem struct {
	SKU  string   `parquet:"sku"`
	Qty  *int64   `parquet:"qty,optional"`
	Tags []string `parquet:"tags,list"`
}

func TestParquetLogicalTypes(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, dir, "logical.parquet", []parquetLogical{{
		Day:    19782, // 2024-02-29
		Price:  12345,
		ID:     [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef},
		Meta:   `{"b": 1, "a": [true, null]}`,
		Counts: map[string]int64{"x": 1},
		Blob:   []byte{0xff, 0x00, 0x01},
		Micros: time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC),
		Items: []parquetItem{
			{SKU: "a", Qty: ptr(int64(2)), Tags: []string{"x", "y"}},
			{SKU: "b"},
			{SKU: "c", Tags: []string{"z"}},
		},
	}})
	bc := buildContext(localSeed("logical.parquet"))
	bc.BaseDir = dir
	got := row(t, mustBuild(t, bc), 0)
	want := map[string]string{
		"day":     `"2024-02-29"`,
		"price":   "123.45",
		"id":      `"12345678-9abc-def0-0123-456789abcdef"`,
		"meta":    `{"b": 1, "a": [true, null]}`,
		"counts":  `{"x": 1}`,
		"blob":    `"/wAB"`,
		"micros":  `"2024-01-02T03:04:05.000006Z"`,
		"unsized": "[]",
		"items": `[{"sku": "a", "qty": 2, "tags": ["x", "y"]}, {"sku": "b", "qty": null, "tags": []}, ` +
			`{"sku": "c", "qty": null, "tags": ["z"]}]`,
	}
	for k, w := range want {
		if g := jsonOf(got[k]); g != w {
			t.Errorf("%s = %s, want %s", k, g, w)
		}
	}
}

func TestFloat16(t *testing.T) {
	tests := []struct {
		give uint16
		want float64
	}{{0x3c00, 1}, {0xc000, -2}, {0x3555, 0.333251953125}, {0x0001, 5.960464477539063e-08}}
	for _, tt := range tests {
		if got := float16(tt.give); got != tt.want {
			t.Errorf("float16(%#x) = %v, want %v", tt.give, got, tt.want)
		}
	}
}
