package parse

import (
	"testing"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
	"go.yaml.in/yaml/v3"
)

// yamlScores reads scores the way a config holds them.
func yamlScores(t testing.TB, src string) []Score {
	t.Helper()
	var doc []struct {
		Name        string    `yaml:"name"`
		Description string    `yaml:"description"`
		Options     yaml.Node `yaml:"options"`
	}
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	var cs []config.Score
	for i := range doc {
		cs = append(cs, config.Score{Name: doc[i].Name, Description: doc[i].Description, Options: &doc[i].Options})
	}
	scores, err := ScoresFromConfig(cs)
	if err != nil {
		t.Fatal(err)
	}
	return scores
}

const rubric = `
- name: Accuracy
  description: Is the answer correct?
  options:
    5: Perfect
    3: Partly right
    1: Wrong
- name: Tone
  options:
    excellent: Warm and clear
    poor: Rude
`

func TestScoresFromConfig(t *testing.T) {
	scores := yamlScores(t, rubric)
	if len(scores) != 2 {
		t.Fatalf("got %d scores", len(scores))
	}
	acc := scores[0]
	if acc.Name != "Accuracy" || acc.Description != "Is the answer correct?" || len(acc.Options) != 3 {
		t.Fatalf("Accuracy = %+v", acc)
	}
	if o := acc.Options[0]; o.Value != "5" || o.Number == nil || *o.Number != 5 || o.Description != "Perfect" {
		t.Errorf("first option = %+v", o)
	}
	if o := acc.Options[2]; o.Value != "1" || o.Description != "Wrong" {
		t.Errorf("options out of file order: %+v", acc.Options)
	}
	if o := scores[1].Options[0]; o.Value != "excellent" || o.Number != nil || o.Description != "Warm and clear" {
		t.Errorf("text option = %+v", o)
	}
	quoted := yamlScores(t, "- name: Q\n  options:\n    '5': five\n    4.5: almost\n    true: yes\n    x:\n")
	got := quoted[0].Options
	if got[0].Number != nil || got[0].Value != "5" {
		t.Errorf("a quoted key is text: %+v", got[0])
	}
	if got[1].Number == nil || *got[1].Number != 4.5 || got[1].Value != "4.5" {
		t.Errorf("4.5 = %+v", got[1])
	}
	if got[2].Number != nil || got[2].Value != "true" {
		t.Errorf("true = %+v", got[2])
	}
	if got[3].Description != "" {
		t.Errorf("a null description = %q", got[3].Description)
	}
}

func TestScoresFromConfigErrors(t *testing.T) {
	var seq yaml.Node
	if err := yaml.Unmarshal([]byte("[1, 2]"), &seq); err != nil {
		t.Fatal(err)
	}
	_, err := ScoresFromConfig([]config.Score{{Name: "A", Options: seq.Content[0]}})
	if want := `score "A": options must be a mapping of value → description`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestJudgeSchema(t *testing.T) {
	schema, err := JudgeSchema(yamlScores(t, rubric))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "type": "object",
  "properties": {
    "Accuracy": {
      "type": "object",
      "description": "Is the answer correct?",
      "properties": {
        "reasoning": {
          "type": "string",
          "description": "Your reasoning for the score, written before choosing it"
        },
        "score": {
          "type": "integer",
          "enum": [
            5,
            3,
            1
          ],
          "description": "5: Perfect; 3: Partly right; 1: Wrong"
        }
      },
      "required": [
        "reasoning",
        "score"
      ],
      "additionalProperties": false
    },
    "Tone": {
      "type": "object",
      "properties": {
        "reasoning": {
          "type": "string",
          "description": "Your reasoning for the score, written before choosing it"
        },
        "score": {
          "type": "string",
          "enum": [
            "excellent",
            "poor"
          ],
          "description": "excellent: Warm and clear; poor: Rude"
        }
      },
      "required": [
        "reasoning",
        "score"
      ],
      "additionalProperties": false
    }
  },
  "required": [
    "Accuracy",
    "Tone"
  ],
  "additionalProperties": false
}`
	if got := indentJSON(schema); got != want {
		t.Errorf("JudgeSchema =\n%s\nwant\n%s", got, want)
	}
	if got := TypeOfSchema(schema).String(); got != "struct{Accuracy struct{reasoning string, score int}, Tone struct{reasoning string, score string}}" {
		t.Errorf("TypeOfSchema(judge schema) = %s", got)
	}
	if got := JudgeType(yamlScores(t, rubric)).String(); got != "struct{Accuracy struct{reasoning string, score string}, Tone struct{reasoning string, score string}}" {
		t.Errorf("JudgeType = %s", got)
	}
}

func TestJudgeSchemaErrors(t *testing.T) {
	five, fiveAgain := 5.0, 5.0
	tests := []struct {
		give []Score
		want string
	}{
		{nil, "a judge needs at least one score"},
		{[]Score{{Name: "", Options: []Option{{Value: "a"}}}}, "a score has no name"},
		{[]Score{{Name: "A", Options: []Option{{Value: "a"}}}, {Name: "A", Options: []Option{{Value: "a"}}}}, `duplicate score name "A"`},
		{[]Score{{Name: "A"}}, `score "A" has no options`},
		{[]Score{{Name: "A", Options: []Option{{Value: "5", Number: &five}, {Value: "5.0", Number: &fiveAgain}}}}, `score "A": options "5" and "5.0" are the same value`},
		{[]Score{{Name: "A", Options: []Option{{Value: "Good"}, {Value: " good"}}}}, `score "A": options "Good" and " good" are the same value`},
	}
	for _, tt := range tests {
		_, err := JudgeSchema(tt.give)
		if err == nil || err.Error() != tt.want {
			t.Errorf("JudgeSchema(%+v) error = %v, want %s", tt.give, err, tt.want)
		}
	}
}

func TestJudge(t *testing.T) {
	scores := yamlScores(t, rubric+`
- name: Passes
  options:
    true: passes
    false: fails
- name: Quoted
  options:
    '2': two
    '1': one
`)
	raw, err := JudgeSchema(scores)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := CompileSchema(raw)
	if err != nil {
		t.Fatal(err)
	}
	reply := func(acc, tone string) string {
		return "```json\n{\"Accuracy\": {\"reasoning\": \"r\", \"score\": " + acc + "}, \"Tone\": {\"reasoning\": \"t\", \"score\": " + tone +
			"}, \"Passes\": {\"reasoning\": \"p\", \"score\": true}, \"Quoted\": {\"reasoning\": \"q\", \"score\": 2}}\n```"
	}
	const rest = `, "Passes": {"reasoning": "p", "score": "true"}, "Quoted": {"reasoning": "q", "score": "2"}}`
	tests := []struct {
		name    string
		reply   string
		bare    bool
		want    string
		wantErr string
	}{
		{"number", reply(`5`, `"excellent"`), false, `{"Accuracy": {"reasoning": "r", "score": "5"}, "Tone": {"reasoning": "t", "score": "excellent"}` + rest, ""},
		{"string number", reply(`"5"`, `"excellent"`), false, `{"Accuracy": {"reasoning": "r", "score": "5"}, "Tone": {"reasoning": "t", "score": "excellent"}` + rest, ""},
		{"float", reply(`5.0`, `"excellent"`), false, `{"Accuracy": {"reasoning": "r", "score": "5"}, "Tone": {"reasoning": "t", "score": "excellent"}` + rest, ""},
		{"padded string", reply(`" 5 "`, `"excellent"`), false, `{"Accuracy": {"reasoning": "r", "score": "5"}, "Tone": {"reasoning": "t", "score": "excellent"}` + rest, ""},
		{"string float", reply(`"3.0"`, `"poor"`), false, `{"Accuracy": {"reasoning": "r", "score": "3"}, "Tone": {"reasoning": "t", "score": "poor"}` + rest, ""},
		{"text case and spaces", reply(`1`, `" Excellent "`), false, `{"Accuracy": {"reasoning": "r", "score": "1"}, "Tone": {"reasoning": "t", "score": "excellent"}` + rest, ""},
		{"bool never matches a number", reply(`true`, `"poor"`), false, "",
			`the JSON does not match the schema: property "Accuracy/score": expected integer, got boolean`},
		{"unknown option", reply(`4`, `"poor"`), false, "",
			`the JSON does not match the schema: property "Accuracy/score": got 4, expected one of 5, 3, 1`},
		{"unknown text option", reply(`5`, `"great"`), false, "",
			`the JSON does not match the schema: property "Tone/score": got "great", expected one of "excellent", "poor"`},
		{"extra properties pruned, order from the schema", "```json\n{\"Tone\": {\"score\": \"poor\", \"reasoning\": \"t\", \"confidence\": 0.9}, \"Accuracy\": {\"score\": 5, \"reasoning\": \"r\"}, " +
			"\"Quoted\": {\"reasoning\": \"q\", \"score\": \"1\"}, \"Passes\": {\"reasoning\": \"p\", \"score\": \"FALSE\"}, \"Overall\": 3}\n```", false,
			`{"Accuracy": {"reasoning": "r", "score": "5"}, "Tone": {"reasoning": "t", "score": "poor"}, "Passes": {"reasoning": "p", "score": "false"}, "Quoted": {"reasoning": "q", "score": "1"}}`, ""},
		{"missing score", "```json\n{\"Accuracy\": {\"reasoning\": \"r\", \"score\": 5}}\n```", false, "",
			`the JSON does not match the schema: missing required properties "Tone", "Passes", "Quoted"`},
		{"missing reasoning", "```json\n{\"Accuracy\": {\"score\": 5}, \"Tone\": {\"reasoning\": \"t\", \"score\": \"poor\"}, \"Passes\": {\"reasoning\": \"\", \"score\": true}, \"Quoted\": {\"reasoning\": \"\", \"score\": 1}}\n```", false, "",
			`the JSON does not match the schema: property "Accuracy": missing required property "reasoning"`},
		{"bare only with bare", `{"Accuracy": {"reasoning": "r", "score": 5}, "Tone": {"reasoning": "t", "score": "poor"}, "Passes": {"reasoning": "p", "score": true}, "Quoted": {"reasoning": "q", "score": 2}}`, true,
			`{"Accuracy": {"reasoning": "r", "score": "5"}, "Tone": {"reasoning": "t", "score": "poor"}` + rest, ""},
		{"bare rejected without bare", `{"Accuracy": {"reasoning": "r", "score": 5}}`, false, "",
			"the reply has no ```json fenced block; put the JSON in one block that starts with a line ```json and ends with a line ```"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Judge(tt.reply, schema, scores, tt.bare)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Judge error\n got %v\nwant %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Judge: %v", err)
			}
			if s := value.JSON(got); s != tt.want {
				t.Errorf("Judge =\n%s\nwant\n%s", s, tt.want)
			}
		})
	}
}

func TestMatchOption(t *testing.T) {
	five, four5 := 5.0, 4.5
	opts := []Option{{Value: "5", Number: &five}, {Value: "4.5", Number: &four5}, {Value: "N/A"}, {Value: "yes"}, {Value: "Yes!"}}
	tests := []struct {
		give any
		want int // -1: no match
	}{
		{int64(5), 0}, {5.0, 0}, {"5", 0}, {" 5 ", 0}, {"5.00", 0}, {4.5, 1}, {"4.50", 1},
		{"n/a", 2}, {" N/A", 2}, {"YES", 3}, {"Yes!", 4},
		{true, -1}, {int64(4), -1}, {"five", -1}, {nil, -1}, {"NaN", -1}, {"0x5", -1},
	}
	for _, tt := range tests {
		i, ok := matchOption(tt.give, opts)
		if !ok {
			i = -1
		}
		if i != tt.want {
			t.Errorf("matchOption(%#v) = %d, want %d", tt.give, i, tt.want)
		}
	}
	// Two text options equal up to case: only the exact spelling matches.
	amb := []Option{{Value: "A"}, {Value: "a"}}
	if _, ok := matchOption("A ", amb); ok {
		t.Error(`"A " matched one of two options differing only in case`)
	}
}
