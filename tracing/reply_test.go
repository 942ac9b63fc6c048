package tracing

import (
	"reflect"
	"testing"
)

func TestSplitThinkTags(t *testing.T) {
	tests := []struct {
		name          string
		give          string
		wantReasoning string
		wantRest      string
		wantOK        bool
	}{
		{"plain", "<think>r</think>answer", "r", "answer", true},
		{"leading whitespace", " \n\t<think>\nr\n</think>\nanswer", "\nr\n", "\nanswer", true},
		{"content after the tag kept verbatim", "<think>r</think> a <b> </think> c", "r", " a <b> </think> c", true},
		{"empty reasoning", "<think></think>x", "", "x", true},
		{"nothing after", "<think>only</think>", "only", "", true},
		{"no closing tag", "<think>still thinking", "", "", false},
		{"text before the tag", "hi <think>r</think>", "", "", false},
		{"no tags", "answer", "", "", false},
		{"upper case tag", "<THINK>r</THINK>", "", "", false},
		{"closing tag only", "</think>x", "", "", false},
		{"empty", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, rest, ok := SplitThinkTags(tt.give)
			if r != tt.wantReasoning || rest != tt.wantRest || ok != tt.wantOK {
				t.Errorf("SplitThinkTags(%q) = %q, %q, %v; want %q, %q, %v",
					tt.give, r, rest, ok, tt.wantReasoning, tt.wantRest, tt.wantOK)
			}
		})
	}
}

func TestAssistantReply(t *testing.T) {
	call := ToolCall{ID: "c1", Type: "function", Function: FunctionCall{Name: "add", Arguments: `{"a":1}`}}
	type give struct {
		content        *string
		reasoning, rc  string
		calls          []ToolCall
		parseThinkTags bool
	}
	tests := []struct {
		name          string
		give          give
		wantText      string
		wantReasoning string
		wantCalls     []ToolCall
	}{
		{"null content", give{}, "", "", nil},
		{"content trimmed", give{content: ptr("  \n2+3 is 5.\n ")}, "2+3 is 5.", "", nil},
		{"reasoning wins", give{content: ptr("a"), reasoning: "from reasoning", rc: "from reasoning_content"}, "a", "from reasoning", nil},
		{"reasoning_content when reasoning empty", give{content: ptr("a"), rc: "rc"}, "a", "rc", nil},
		{"whitespace reasoning is non-empty and wins", give{content: ptr("a"), reasoning: " ", rc: "rc"}, "a", " ", nil},
		{"final reasoning kept verbatim", give{content: ptr("a"), rc: "\n  step 1\n"}, "a", "\n  step 1\n", nil},
		{
			"think tags split",
			give{content: ptr("\n<think>\nI add.\n</think>\n\n5\n"), parseThinkTags: true},
			"5", "\nI add.\n", nil,
		},
		{
			"think tags not parsed when disabled",
			give{content: ptr("<think>x</think>5")},
			"<think>x</think>5", "", nil,
		},
		{
			"think tags not parsed when reasoning present",
			give{content: ptr("<think>x</think>5"), rc: "field", parseThinkTags: true},
			"<think>x</think>5", "field", nil,
		},
		{
			"unclosed think tag leaves content unchanged (but trimmed)",
			give{content: ptr(" <think>cut at max_tokens "), parseThinkTags: true},
			"<think>cut at max_tokens", "", nil,
		},
		{
			"tool calls: content and reasoning trimmed",
			give{content: ptr(" calling \n"), rc: "\n I need add \n", calls: []ToolCall{call}},
			"calling", "I need add", []ToolCall{call},
		},
		{
			"tool calls: think-tag reasoning trimmed",
			give{content: ptr("<think> add </think> "), calls: []ToolCall{call}, parseThinkTags: true},
			"", "add", []ToolCall{call},
		},
		{
			"tool calls: whitespace reasoning dropped",
			give{reasoning: " \n", calls: []ToolCall{call}},
			"", "", []ToolCall{call},
		},
		{
			"tool calls normalized",
			give{calls: []ToolCall{{ID: "x", Function: FunctionCall{Name: "now"}}, {Function: FunctionCall{Name: "f", Arguments: " "}}}},
			"", "", []ToolCall{
				{ID: "x", Type: "function", Function: FunctionCall{Name: "now", Arguments: "{}"}},
				{Type: "function", Function: FunctionCall{Name: "f", Arguments: "{}"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.give
			got := AssistantReply(g.content, g.reasoning, g.rc, g.calls, g.parseThinkTags)
			want := Message{Role: RoleAssistant, Content: []Block{TextBlock(tt.wantText)}, ReasoningContent: tt.wantReasoning, ToolCalls: tt.wantCalls}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("\n got %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestAssistantReplyDoesNotRetainCalls(t *testing.T) {
	calls := []ToolCall{{Function: FunctionCall{Name: "f"}}}
	m := AssistantReply(nil, "", "", calls, true)
	m.AssignCallIDs(CallIDs("r1"))
	calls[0].Function.Name = "changed"
	if m.ToolCalls[0].Function.Name != "f" || calls[0].ID != "" || calls[0].Function.Arguments != "" {
		t.Errorf("AssistantReply shares or mutates the caller's calls: %#v / %#v", m.ToolCalls, calls)
	}
}

func TestAssignCallIDs(t *testing.T) {
	tests := []struct {
		name string
		give []string // ids of the calls, "" = missing
		seed string
		want []string
	}{
		{"all missing", []string{"", "", ""}, "r7_answer", []string{"call_r7_answer_1", "call_r7_answer_2", "call_r7_answer_3"}},
		{"some present", []string{"p", "", "q"}, "s", []string{"p", "call_s_1", "q"}},
		{"skips an id already used", []string{"call_1", ""}, "", []string{"call_1", "call_2"}},
		{"none missing", []string{"a", "b"}, "s", []string{"a", "b"}},
		{"no calls", nil, "s", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			for _, id := range tt.give {
				m.ToolCalls = append(m.ToolCalls, ToolCall{ID: id})
			}
			shared := m.ToolCalls
			m.AssignCallIDs(CallIDs(tt.seed))
			var got []string
			for _, c := range m.ToolCalls {
				got = append(got, c.ID)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ids %q, want %q", got, tt.want)
			}
			for i, id := range tt.give {
				if shared[i].ID != id {
					t.Errorf("the old slice was mutated: %q", shared[i].ID)
				}
			}
		})
	}
}

func TestCallIDsDeterministic(t *testing.T) {
	a, b := CallIDs("row3"), CallIDs("row3")
	for range 3 {
		if x, y := a(), b(); x != y {
			t.Fatalf("%q != %q", x, y)
		}
	}
	if got := a(); got != "call_row3_4" {
		t.Errorf("fourth id %q", got)
	}
}
