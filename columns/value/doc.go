// Package value holds the cell value model shared by every column kind, the
// template renderer and the output writers.
//
// A cell value is one of: nil, string, int64, float64, bool, *Map (an object
// whose keys keep their insertion order) or []any (a list of cell values).
// Type describes the shape of a column's values so writers can build a
// Parquet schema before the first row exists.
//
//	m := value.NewMap()
//	m.Set("b", int64(1))
//	m.Set("a", []any{"x", "y"})
//	value.JSON(m) // {"b": 1, "a": ["x", "y"]}
package value
