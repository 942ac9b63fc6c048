package parse_test

import (
	"fmt"

	"github.com/synthgen/synthgen/columns/llm/parse"
	"github.com/synthgen/synthgen/columns/value"
	"go.yaml.in/yaml/v3"
)

func ExampleStructured() {
	var node yaml.Node
	_ = yaml.Unmarshal([]byte(`
type: object
properties:
  title: {type: string}
  year: {type: integer}
required: [title]
`), &node)
	schema, _ := parse.SchemaFromYAML(&node)
	compiled, _ := parse.CompileSchema(schema) // once per column

	reply := "Sure!\n```json\n{year: 1969.0, 'title': 'Moon landing', mood: 'proud',}\n```"
	v, err := parse.Structured(reply, compiled, false)
	fmt.Println(value.JSON(v), err)
	fmt.Println(compiled.Type())

	_, err = parse.Structured("```json\n{\"year\": 1969}\n```", compiled, false)
	fmt.Println(err)
	// Output:
	// {"title": "Moon landing", "year": 1969} <nil>
	// struct{title string, year int}
	// the JSON does not match the schema: missing required property "title"
}

func ExampleCode() {
	code, err := parse.Code("Here:\n```py\nprint('hi')\n```\nIt prints hi.", "python")
	fmt.Printf("%q %v\n", code, err)
	_, err = parse.Code("```js\nconsole.log(1)\n```", "python")
	fmt.Println(err)
	fmt.Println(parse.CodeInstructions("sql:sqlite"))
	// Output:
	// "print('hi')" <nil>
	// the last fenced code block is tagged "js", but Python code was asked for in a ```python block
	// Return the code in SQL (SQLite dialect) as exactly one fenced code block: a line ```sql, then the code, then a line ```. Do not write any other fenced block.
}

func ExampleJudge() {
	five, one := 5.0, 1.0
	scores := []parse.Score{{Name: "Accuracy", Options: []parse.Option{
		{Value: "5", Number: &five, Description: "correct"},
		{Value: "1", Number: &one, Description: "wrong"},
	}}}
	raw, _ := parse.JudgeSchema(scores)
	compiled, _ := parse.CompileSchema(raw)
	v, err := parse.Judge("```json\n{\"Accuracy\": {\"reasoning\": \"Matches the source.\", \"score\": \" 5 \"}}\n```", compiled, scores, false)
	fmt.Println(value.JSON(v), err)
	fmt.Println(parse.JudgeType(scores))
	// Output:
	// {"Accuracy": {"reasoning": "Matches the source.", "score": "5"}} <nil>
	// struct{Accuracy struct{reasoning string, score string}}
}
