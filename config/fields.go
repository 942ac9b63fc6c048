package config

import (
	"reflect"
	"strings"
)

// FieldInfo describes one config field, from the struct tags that also drive
// decoding: the single source for `synthgen columns` and the reference.
type FieldInfo struct {
	Name     string
	Type     string
	Required bool
	Default  string
	Enum     []string
	Doc      string
}

// Fields lists the fields of a config struct (a value or pointer), inline
// structs flattened, in declaration order.
func Fields(v any) []FieldInfo {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []FieldInfo
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			tag := sf.Tag.Get("yaml")
			if tag == "-" || sf.Type == metaType || !sf.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if opts == "inline" {
				walk(sf.Type)
				continue
			}
			if name == "" {
				continue
			}
			fi := FieldInfo{Name: name, Type: typeName(sf.Type), Required: sf.Tag.Get("required") == "true", Default: sf.Tag.Get("default"), Doc: sf.Tag.Get("doc")}
			if e := sf.Tag.Get("enum"); e != "" {
				fi.Enum = strings.Split(e, ",")
				fi.Type = "enum"
			}
			out = append(out, fi)
		}
	}
	walk(t)
	return out
}

func typeName(t reflect.Type) string {
	if t == nodeType || (t.Kind() == reflect.Pointer && t.Elem() == nodeType) {
		return "any"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int64, reflect.Uint64:
		return "int"
	case reflect.Float64:
		return "number"
	case reflect.Slice:
		return "list of " + typeName(t.Elem())
	case reflect.Map:
		return "map of " + typeName(t.Elem())
	case reflect.Interface:
		return "any"
	case reflect.Struct:
		if t == reflect.TypeOf(Sampled{}) {
			return "number or distribution"
		}
		return "mapping"
	}
	return t.String()
}
