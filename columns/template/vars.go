package template

import (
	"strings"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
)

// RowVars returns the template variables for names, read from row. A name the
// row does not have is left out (it renders empty). A string value that
// begins, after whitespace, with { or [ and decodes as JSON is passed decoded,
// as Data Designer does before rendering, so {{ seed_col.key }} works on a
// JSON string from a seed file.
//
// The returned map is new; the values in it are the row's and must not be
// modified. RowVars is safe for concurrent use.
func RowVars(row columns.Row, names []string) map[string]any {
	vars := make(map[string]any, len(names))
	for _, name := range names {
		v, ok := row.Get(name)
		if !ok {
			continue
		}
		if s, isString := v.(string); isString {
			if t := strings.TrimSpace(s); t != "" && (t[0] == '{' || t[0] == '[') {
				if decoded, err := value.DecodeJSON([]byte(t)); err == nil {
					v = decoded
				}
			}
		}
		vars[name] = v
	}
	return vars
}
