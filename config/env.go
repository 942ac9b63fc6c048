package config

import (
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// substituteEnv replaces ${NAME} in every scalar value (not keys) of the tree
// with the environment variable NAME. An unset variable is an error naming it;
// it is never replaced by an empty string. The tree is modified in place.
func (d *decoder) substituteEnv(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			d.substituteEnv(c, path)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			d.substituteEnv(n.Content[i+1], joinPath(path, n.Content[i].Value))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			d.substituteEnv(c, indexPath(path, i))
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return
		}
		changed := false
		out := envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			name := m[2 : len(m)-1]
			v, ok := d.getenv(name)
			if !ok {
				d.errorf(n, path, "environment variable %q is not set (referenced as ${%s})", name, name)
				return m
			}
			changed = true
			if len(v) >= 4 {
				d.envValues = append(d.envValues, [2]string{name, v})
			}
			return v
		})
		if changed {
			if d.substituted == nil {
				d.substituted = map[*yaml.Node]string{}
			}
			d.substituted[n] = n.Value
			n.Value = out
			// A substituted value is text unless it is a whole-number etc.;
			// let YAML re-resolve the tag of plain scalars.
			if n.Style == 0 {
				n.Tag = ""
				var probe yaml.Node
				if err := yaml.Unmarshal([]byte(out), &probe); err == nil && len(probe.Content) == 1 && probe.Content[0].Kind == yaml.ScalarNode {
					n.Tag = probe.Content[0].Tag
				} else {
					n.Tag = "!!str"
				}
			}
		}
	}
}

// Redact replaces every environment value the config substituted (4
// characters or longer) by its ${NAME} reference. Use it on any message a
// person or a log will see; never on generated data.
func (doc *Document) Redact(s string) string {
	for _, kv := range doc.envValues {
		s = strings.ReplaceAll(s, kv[1], "${"+kv[0]+"}")
	}
	return s
}

// EnvValues returns the substituted environment values as (name, value)
// pairs, longest values first.
func (doc *Document) EnvValues() [][2]string { return doc.envValues }
