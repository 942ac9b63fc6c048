package tracing

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// specMessages are the five example messages of spec/llm-and-traces.md
// ("Trace columns"), copied verbatim (the third one joined onto one line).
var specMessages = []string{
	`{"role": "system",    "content": [{"type": "text", "text": "You must call tools."}]}`,
	`{"role": "user",      "content": [{"type": "text", "text": "What is 2+3? ..."}]}`,
	`{"role": "assistant", "content": [{"type": "text", "text": ""}], "reasoning_content": "I need the add tool", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "add", "arguments": "{\"a\":2,\"b\":3}"}}]}`,
	`{"role": "tool",      "content": [{"type": "text", "text": "5"}], "tool_call_id": "call_1"}`,
	`{"role": "assistant", "content": [{"type": "text", "text": "2+3 is 5."}], "reasoning_content": "The tool said 5."}`,
}

// specConversation builds the spec's example conversation through the
// constructors the conversation loop uses.
func specConversation() []Message {
	return []Message{
		Text(RoleSystem, "You must call tools."),
		Text(RoleUser, "What is 2+3? ..."),
		AssistantReply(nil, "", "I need the add tool",
			[]ToolCall{{ID: "call_1", Function: FunctionCall{Name: "add", Arguments: `{"a":2,"b":3}`}}}, true),
		ToolResult("call_1", "5"),
		AssistantReply(ptr("2+3 is 5."), "The tool said 5.", "", nil, true),
	}
}

func TestMarshalSpecMessages(t *testing.T) {
	want := []string{
		`{"role":"system","content":[{"type":"text","text":"You must call tools."}]}`,
		`{"role":"user","content":[{"type":"text","text":"What is 2+3? ..."}]}`,
		`{"role":"assistant","content":[{"type":"text","text":""}],"reasoning_content":"I need the add tool","tool_calls":[{"id":"call_1","type":"function","function":{"name":"add","arguments":"{\"a\":2,\"b\":3}"}}]}`,
		`{"role":"tool","content":[{"type":"text","text":"5"}],"tool_call_id":"call_1"}`,
		`{"role":"assistant","content":[{"type":"text","text":"2+3 is 5."}],"reasoning_content":"The tool said 5."}`,
	}
	for i, m := range specConversation() {
		got, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if string(got) != want[i] {
			t.Errorf("message %d:\n got %s\nwant %s", i, got, want[i])
		}
		// The spec's own text, without its insignificant whitespace, is the
		// same bytes: same keys, same order, same values.
		var spec bytes.Buffer
		if err := json.Compact(&spec, []byte(specMessages[i])); err != nil {
			t.Fatalf("spec message %d: %v", i, err)
		}
		if !bytes.Equal(got, spec.Bytes()) {
			t.Errorf("message %d differs from the spec:\n got %s\nspec %s", i, got, spec.Bytes())
		}
	}
}

func TestUnmarshalSpecMessages(t *testing.T) {
	want := specConversation()
	for i, s := range specMessages {
		var got Message
		if err := json.Unmarshal([]byte(s), &got); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("message %d:\n got %#v\nwant %#v", i, got, want[i])
		}
	}
}

func TestMarshalMessage(t *testing.T) {
	tests := []struct {
		name string
		give Message
		want string
	}{
		{"empty string content", Text(RoleUser, ""), `{"role":"user","content":[{"type":"text","text":""}]}`},
		{"nil content", Message{Role: RoleAssistant}, `{"role":"assistant","content":[{"type":"text","text":""}]}`},
		{"empty block list", Message{Role: RoleAssistant, Content: []Block{}}, `{"role":"assistant","content":[{"type":"text","text":""}]}`},
		{"null reply content", AssistantReply(nil, "", "", nil, true), `{"role":"assistant","content":[{"type":"text","text":""}]}`},
		{
			"image blocks before the text block",
			Message{Role: RoleUser, Content: []Block{ImageBlock("data:image/png;base64,AAAA"), TextBlock("Describe it.")}},
			`{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},{"type":"text","text":"Describe it."}]}`,
		},
		{
			"block without a type is a text block",
			Message{Role: RoleUser, Content: []Block{{Text: "hi"}}},
			`{"role":"user","content":[{"type":"text","text":"hi"}]}`,
		},
		{
			"tool call without arguments or type",
			Message{Role: RoleAssistant, Content: []Block{TextBlock("")}, ToolCalls: []ToolCall{{ID: "c", Function: FunctionCall{Name: "now"}}}},
			`{"role":"assistant","content":[{"type":"text","text":""}],"tool_calls":[{"id":"c","type":"function","function":{"name":"now","arguments":"{}"}}]}`,
		},
		{
			"no HTML escaping inside",
			Text(RoleAssistant, "<think>a && b</think>"),
			`{"role":"assistant","content":[{"type":"text","text":"<think>a && b</think>"}]}`,
		},
		{
			"all optional keys in order",
			Message{Role: "x", Content: []Block{TextBlock("t")}, ReasoningContent: "r", ToolCalls: []ToolCall{{ID: "i", Type: "function", Function: FunctionCall{Name: "n", Arguments: "{}"}}}, ToolCallID: "id"},
			`{"role":"x","content":[{"type":"text","text":"t"}],"reasoning_content":"r","tool_calls":[{"id":"i","type":"function","function":{"name":"n","arguments":"{}"}}],"tool_call_id":"id"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MarshalNoEscape(tt.give)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestMarshalOuterEncoderEscapes(t *testing.T) {
	// json.Marshal escapes HTML as usual; the writer chooses.
	got, err := json.Marshal(Text(RoleUser, "<b>"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"role":"user","content":[{"type":"text","text":"\u003cb\u003e"}]}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestUnmarshalMessage(t *testing.T) {
	tests := []struct {
		name string
		give string
		want Message
	}{
		{"string content", `{"role":"user","content":"hi"}`, Text(RoleUser, "hi")},
		{"empty string content", `{"role":"user","content":""}`, Text(RoleUser, "")},
		{"null content", `{"role":"assistant","content":null}`, Text(RoleAssistant, "")},
		{"missing content", `{"role":"assistant"}`, Text(RoleAssistant, "")},
		{"empty list content", `{"role":"assistant","content":[]}`, Text(RoleAssistant, "")},
		{
			"image block kept",
			`{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}},{"type":"text","text":"what?"}]}`,
			Message{Role: RoleUser, Content: []Block{ImageBlock("https://x/y.png"), TextBlock("what?")}},
		},
		{
			"image_url as a string",
			`{"role":"user","content":[{"type":"image_url","image_url":"https://x/y.png"}]}`,
			Message{Role: RoleUser, Content: []Block{ImageBlock("https://x/y.png")}},
		},
		{
			"block without type",
			`{"role":"user","content":[{"text":"a"},{"image_url":{"url":"u"}}]}`,
			Message{Role: RoleUser, Content: []Block{TextBlock("a"), ImageBlock("u")}},
		},
		{
			"provider tool calls: null content, missing type, object and null arguments",
			`{"role":"assistant","content":null,"tool_calls":[{"id":"a","function":{"name":"f","arguments":{"x": 1}}},{"id":"b","type":"function","function":{"name":"g","arguments":null}},{"id":"c","function":{"name":"h","arguments":""}}]}`,
			Message{Role: RoleAssistant, Content: []Block{TextBlock("")}, ToolCalls: []ToolCall{
				{ID: "a", Type: "function", Function: FunctionCall{Name: "f", Arguments: `{"x":1}`}},
				{ID: "b", Type: "function", Function: FunctionCall{Name: "g", Arguments: "{}"}},
				{ID: "c", Type: "function", Function: FunctionCall{Name: "h", Arguments: "{}"}},
			}},
		},
		{
			"arguments string kept as sent",
			`{"role":"assistant","content":"","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{ \"x\" : 1 }"}}]}`,
			Message{Role: RoleAssistant, Content: []Block{TextBlock("")}, ToolCalls: []ToolCall{
				{ID: "a", Type: "function", Function: FunctionCall{Name: "f", Arguments: `{ "x" : 1 }`}},
			}},
		},
		{
			"object arguments with invalid UTF-8",
			"{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":{\"\x99\": 1}}}]}",
			Message{Role: RoleAssistant, Content: []Block{TextBlock("")}, ToolCalls: []ToolCall{
				{ID: "a", Type: "function", Function: FunctionCall{Name: "f", Arguments: "{\"\uFFFD\":1}"}},
			}},
		},
		{"empty tool_calls", `{"role":"assistant","content":"x","tool_calls":[]}`, Text(RoleAssistant, "x")},
		{"unknown keys ignored", `{"role":"tool","content":"5","tool_call_id":"c","name":"add"}`, ToolResult("c", "5")},
		{"reasoning_content null", `{"role":"assistant","content":"x","reasoning_content":null}`, Text(RoleAssistant, "x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Message{ReasoningContent: "stale", ToolCallID: "stale"}
			if err := json.Unmarshal([]byte(tt.give), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestUnmarshalMessageErrors(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{`{"role":"user","content":5}`, "message content must be a string, a list of blocks or null"},
		{`{"role":"user","content":{"type":"text"}}`, "message content must be a string, a list of blocks or null"},
		{`{"role":"user","content":["a"]}`, "decoding message content"},
		{`{"role":"user","content":[{"type":"image_url","image_url":5}]}`, "decoding image_url"},
		{`{"role":"assistant","tool_calls":[{"function":{"arguments":{"x":}}}]}`, "invalid character"},
		{`[]`, "cannot unmarshal array"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			var m Message
			err := json.Unmarshal([]byte(tt.give), &m)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	msgs := append(specConversation(),
		Text(RoleUser, ""),
		Message{Role: RoleUser, Content: []Block{ImageBlock("data:image/png;base64,AA=="), TextBlock("<what> & \"why\"\n")}},
		Message{Role: RoleAssistant, Content: []Block{TextBlock("")}, ReasoningContent: "  verbatim\n", ToolCalls: []ToolCall{
			{ID: "a", Type: "function", Function: FunctionCall{Name: "f", Arguments: "{}"}},
			{ID: "b", Type: "function", Function: FunctionCall{Name: "g", Arguments: `{"q":"ü"}`}},
		}},
		Message{Role: RoleUser, Content: []Block{{Type: "input_audio", Text: "kept"}}},
	)
	for i, m := range msgs {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		var got Message
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("message %d: round trip through %s:\n got %#v\nwant %#v", i, b, got, m)
		}
	}
	// A whole trace round-trips too.
	b, err := json.Marshal(msgs)
	if err != nil {
		t.Fatal(err)
	}
	var got []Message
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, msgs) {
		t.Errorf("trace round trip differs")
	}
}

func FuzzMessageJSON(f *testing.F) {
	for _, s := range specMessages {
		f.Add(s)
	}
	f.Add(`{"role":"user","content":"hi"}`)
	f.Add(`{"role":"assistant","content":null,"tool_calls":[{"function":{"arguments":{"a":[1]}}}]}`)
	f.Add(`{"content":[{"image_url":"u"},{"type":"","text":""}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		var m Message
		if json.Unmarshal([]byte(s), &m) != nil {
			return
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal %#v: %v", m, err)
		}
		var again Message
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("unmarshal own output %s: %v", b, err)
		}
		if !reflect.DeepEqual(again, m) {
			t.Fatalf("round trip of %s through %s:\n got %#v\nwant %#v", s, b, again, m)
		}
	})
}
