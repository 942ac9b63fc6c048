package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Redacted replaces secret values in builder_config.json.
const Redacted = "<redacted>"

var envName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// secretMaps are keys every value under which is a secret.
var secretMaps = map[string]bool{"extra_headers": true, "env": true}

// secretKeys are keys whose (scalar) values are secrets at any depth, unless
// written as a ${VAR} reference; api_key may also name an environment
// variable that exists.
var secretKeys = map[string]bool{"api_key": true, "token": true, "password": true, "secret": true, "authorization": true, "access_token": true}

// hashExcluded are keys left out of the config hash: timeouts and concurrency
// settings, which do not change what is generated, and run settings.
var hashExcluded = map[string]bool{
	"timeout": true, "timeout_sec": true, "max_parallel_requests": true,
	"run_config": true, "skip_health_check": true, "library_version": true,
}

// BuilderConfigJSON returns the resolved config as Data Designer's wrapped
// form ({"data_designer": {...}}), indented, with secrets removed. ${VAR}
// references are kept as written, so no environment value is copied out.
func (doc *Document) BuilderConfigJSON() []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"data_designer": `)
	writeNodeJSON(&buf, doc.Raw, "", jsonOpts{redact: true, getenv: doc.getenv})
	buf.WriteString("}")
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return buf.Bytes()
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// Hash is the sha256 (hex) of the canonical config without secrets, timeouts,
// concurrency settings and run settings. Resume compares it.
func (doc *Document) Hash() string {
	var buf bytes.Buffer
	writeNodeJSON(&buf, doc.Raw, "", jsonOpts{exclude: hashExcluded, redact: true}) // no getenv: independent of the environment
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

// jsonOpts controls writeNodeJSON: exclude drops keys (and sorts keys, for
// the hash); redact hides secrets; getenv tells which api_key names exist.
type jsonOpts struct {
	exclude map[string]bool
	redact  bool
	getenv  func(string) (string, bool)
}

func writeNodeJSON(buf *bytes.Buffer, n *yaml.Node, parentKey string, o jsonOpts) {
	n = resolve(n)
	if n == nil {
		buf.WriteString("null")
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		buf.WriteByte('{')
		first := true
		pairs := make([]int, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			pairs = append(pairs, i)
		}
		if o.exclude != nil { // the hash: independent of the order keys are written in
			sort.SliceStable(pairs, func(a, b int) bool {
				return resolve(n.Content[pairs[a]]).Value < resolve(n.Content[pairs[b]]).Value
			})
		}
		for _, i := range pairs {
			k := resolve(n.Content[i]).Value
			if o.exclude[k] {
				continue
			}
			if !first {
				buf.WriteByte(',')
			}
			first = false
			writeJSONString(buf, k)
			buf.WriteByte(':')
			v := resolve(n.Content[i+1])
			switch {
			case o.redact && secretMaps[parentKey] && !isEnvRef(v):
				writeJSONString(buf, Redacted)
			case o.redact && secretKeys[strings.ToLower(k)] && v.Kind == yaml.ScalarNode && !isNull(v) && !isEnvRef(v) && !namesEnv(k, v.Value, o.getenv):
				writeJSONString(buf, Redacted)
			default:
				writeNodeJSON(buf, v, k, o)
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeNodeJSON(buf, c, "", o)
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			buf.WriteString("null")
		case "!!bool":
			b, _ := strconv.ParseBool(n.Value)
			buf.WriteString(strconv.FormatBool(b))
		case "!!int", "!!float":
			if f, ok := number(n); ok {
				b, err := json.Marshal(f)
				if err == nil {
					buf.Write(b)
					return
				}
			}
			writeJSONString(buf, n.Value)
		default:
			if o.redact {
				writeJSONString(buf, RedactURL(n.Value))
			} else {
				writeJSONString(buf, n.Value)
			}
		}
	default:
		buf.WriteString("null")
	}
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	buf.Write(b)
}

// isEnvRef reports whether a scalar is exactly one ${VAR} reference.
func isEnvRef(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Value, "${") && envRef.FindString(n.Value) == n.Value
}

// namesEnv reports whether an api_key value is the name of an environment
// variable that is set (the provider form `api_key: OPENAI_API_KEY`).
func namesEnv(key, v string, getenv func(string) (string, bool)) bool {
	if key != "api_key" || !envName.MatchString(v) || getenv == nil {
		return false
	}
	_, ok := getenv(v)
	return ok
}

// RedactURL hides the password (or the user) and the query values of a
// URL-looking string, for anything shown to a person or written out:
// https://user:pw@host/p?token=x → https://user:<redacted>@host/p?token=<redacted>.
func RedactURL(s string) string {
	if !strings.Contains(s, "://") || (!strings.Contains(s, "@") && !strings.Contains(s, "?")) {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Redacted)
		} else {
			u.User = url.User(Redacted)
		}
	}
	if u.RawQuery != "" { // tokens often ride in the query (?token=, ?key=)
		q := u.Query()
		for k := range q {
			q[k] = []string{Redacted}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// NodeJSON renders a YAML node as JSON text, keeping mapping key order
// (for JSON Schemas and other free-form values written in a config).
func NodeJSON(n *yaml.Node) []byte {
	var buf bytes.Buffer
	writeNodeJSON(&buf, n, "", jsonOpts{})
	return buf.Bytes()
}
