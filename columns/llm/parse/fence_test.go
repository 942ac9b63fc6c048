package parse

import (
	"reflect"
	"testing"
)

func TestFences(t *testing.T) {
	tests := []struct {
		name string
		give string
		want []fence
	}{
		{"none", "just text", nil},
		{"one", "Here:\n```python\nprint(1)\n```\nDone.", []fence{{tag: "python", code: "print(1)", closed: true}}},
		{"info string after the tag", "```python title=x\na\n```", []fence{{tag: "python", code: "a", closed: true}}},
		{"untagged", "```\nx\n```", []fence{{code: "x", closed: true}}},
		{"two", "```a\n1\n```\n\n```b\n2\n```", []fence{{tag: "a", code: "1", closed: true}, {tag: "b", code: "2", closed: true}}},
		{"crlf", "```go\r\nx := 1\r\n```\r\n", []fence{{tag: "go", code: "x := 1", closed: true}}},
		{"tildes", "~~~sql\nSELECT 1\n~~~", []fence{{tag: "sql", code: "SELECT 1", closed: true}}},
		{"unclosed", "```json\n{\"a\": 1}\n", []fence{{tag: "json", code: "{\"a\": 1}"}}},
		{"unclosed with the fence glued to the last line", "```json\n{\"a\": 1}```", []fence{{tag: "json", code: "{\"a\": 1}"}}},
		{"indented fence, dedented code", "1. Code:\n   ```py\n   if x:\n       y()\n   ```", []fence{{tag: "py", code: "if x:\n    y()", closed: true}}},
		{"longer opening needs a longer closing", "````md\n```py\nx\n```\n````", []fence{{tag: "md", code: "```py\nx\n```", closed: true}}},
		{"a fence with an info string does not close", "```\na\n```py\nb\n```", []fence{{code: "a\n```py\nb", closed: true}}},
		{"inline triple backticks are not a fence", "use ```x``` here\n```\ny\n```", []fence{{code: "y", closed: true}}},
		{"two backticks are not a fence", "``\nx\n``", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fences(tt.give); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fences(%q)\n got %#v\nwant %#v", tt.give, got, tt.want)
			}
		})
	}
}
