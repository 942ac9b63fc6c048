package tracing

import (
	"reflect"
	"testing"
)

func TestBuild(t *testing.T) {
	conv := specConversation()
	final := conv[4]
	noAssistant := []Message{Text(RoleSystem, "s"), Text(RoleUser, "u")}
	endsWithTool := conv[:4] // last assistant message is the tool-calling one
	tests := []struct {
		name string
		msgs []Message
		mode TraceType
		want []Message
	}{
		{"all messages", conv, TraceAllMessages, conv},
		{"all messages of nothing", nil, TraceAllMessages, []Message{}},
		{"last message", conv, TraceLastMessage, []Message{final}},
		{"last assistant message, not the last message", endsWithTool, TraceLastMessage, []Message{conv[2]}},
		{"last message without assistant", noAssistant, TraceLastMessage, []Message{}},
		{"last message of nothing", nil, TraceLastMessage, []Message{}},
		{"none", conv, TraceNone, nil},
		{"zero value is none", conv, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Build(tt.msgs, tt.mode)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestBuildCopiesTheList(t *testing.T) {
	conv := specConversation()
	trace := Build(conv, TraceAllMessages)
	trace[0] = Text(RoleSystem, "changed")
	if conv[0].Content[0].Text != "You must call tools." {
		t.Error("Build returned the caller's slice")
	}
}

func TestBuildPanicsOnUnknownType(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	Build(nil, "true")
}

func TestReasoningOf(t *testing.T) {
	withReasoning := func(role, r string) Message { m := Text(role, "x"); m.ReasoningContent = r; return m }
	tests := []struct {
		name   string
		msgs   []Message
		want   string
		wantOK bool
	}{
		{"spec conversation", specConversation(), "The tool said 5.", true},
		{"trimmed", []Message{withReasoning(RoleAssistant, "\n  think \n")}, "think", true},
		{"last assistant only, no fallback", []Message{withReasoning(RoleAssistant, "earlier"), Text(RoleUser, "fix it"), Text(RoleAssistant, "ok")}, "", false},
		{"whitespace only is absent", []Message{withReasoning(RoleAssistant, " \n\t")}, "", false},
		{"later non-assistant messages ignored", []Message{withReasoning(RoleAssistant, "r"), withReasoning(RoleUser, "u")}, "r", true},
		{"no assistant message", []Message{withReasoning(RoleUser, "u")}, "", false},
		{"empty conversation", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ReasoningOf(tt.msgs)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
