package generate

import "path"

// DropGlobs collects the column names and globs of drop_columns processors.
func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok || g == name {
			return true
		}
	}
	return false
}
