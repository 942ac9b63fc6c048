package output

import (
	"fmt"

	"github.com/synthgen/synthgen/columns/value"
)

// kindNames names the kinds in messages and in the footer metadata.
var kindNames = map[value.Kind]string{
	value.KindString: "string",
	value.KindInt:    "int",
	value.KindFloat:  "float",
	value.KindBool:   "bool",
	value.KindStruct: "struct",
	value.KindList:   "list",
	value.KindJSON:   "json",
}

// typeDoc is the JSON form of a value.Type in a Parquet footer. Parquet
// alone cannot tell a JSON column from a string column; this can.
type typeDoc struct {
	Kind   string     `json:"kind"`
	Fields []fieldDoc `json:"fields,omitempty"`
	Elem   *typeDoc   `json:"elem,omitempty"`
}

type fieldDoc struct {
	Name string  `json:"name"`
	Type typeDoc `json:"type"`
}

func columnsDoc(cols []Column) []fieldDoc {
	out := make([]fieldDoc, len(cols))
	for i, c := range cols {
		out[i] = fieldDoc{Name: c.Name, Type: docOf(c.Type)}
	}
	return out
}

func docOf(t value.Type) typeDoc {
	d := typeDoc{Kind: kindNames[t.Kind]}
	for _, f := range t.Fields {
		d.Fields = append(d.Fields, fieldDoc{Name: f.Name, Type: docOf(f.Type)})
	}
	if t.Elem != nil {
		e := docOf(*t.Elem)
		d.Elem = &e
	}
	return d
}

func typeOfDoc(d typeDoc) (value.Type, error) {
	for k, name := range kindNames {
		if name != d.Kind {
			continue
		}
		t := value.Type{Kind: k}
		for _, f := range d.Fields {
			ft, err := typeOfDoc(f.Type)
			if err != nil {
				return value.Type{}, err
			}
			t.Fields = append(t.Fields, value.Field{Name: f.Name, Type: ft})
		}
		if k == value.KindList {
			if d.Elem == nil {
				return value.Type{}, fmt.Errorf("list without an element type")
			}
			et, err := typeOfDoc(*d.Elem)
			if err != nil {
				return value.Type{}, err
			}
			t.Elem = &et
		}
		return t, nil
	}
	return value.Type{}, fmt.Errorf("unknown kind %q", d.Kind)
}

// storedType is the type a column of t reads back as from the Parquet
// schema alone: JSON, and structs without fields, are stored as strings.
func storedType(t value.Type) value.Type {
	switch t.Kind {
	case value.KindJSON:
		return value.String
	case value.KindStruct:
		if len(t.Fields) == 0 {
			return value.String
		}
		fields := make([]value.Field, len(t.Fields))
		for i, f := range t.Fields {
			fields[i] = value.Field{Name: f.Name, Type: storedType(f.Type)}
		}
		return value.Struct(fields...)
	case value.KindList:
		return value.List(storedType(*t.Elem))
	}
	return t
}

// hasJSON reports whether t stores any value as JSON text.
func hasJSON(t value.Type) bool {
	switch t.Kind {
	case value.KindJSON:
		return true
	case value.KindStruct:
		if len(t.Fields) == 0 {
			return true
		}
		for _, f := range t.Fields {
			if hasJSON(f.Type) {
				return true
			}
		}
	case value.KindList:
		return hasJSON(*t.Elem)
	}
	return false
}
