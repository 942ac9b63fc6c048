package tracing

import (
	"errors"
	"testing"
)

func TestParseTraceType(t *testing.T) {
	tests := []struct {
		give    string
		want    TraceType
		wantErr string
	}{
		{"none", TraceNone, ""},
		{"last_message", TraceLastMessage, ""},
		{"all_messages", TraceAllMessages, ""},
		{"true", "", `unknown trace type "true": want one of none, last_message, all_messages; did you mean "all_messages"?`},
		{"True", "", `unknown trace type "True": want one of none, last_message, all_messages; did you mean "all_messages"?`},
		{"false", "", `unknown trace type "false": want one of none, last_message, all_messages; did you mean "none"?`},
		{"all_message", "", `unknown trace type "all_message": want one of none, last_message, all_messages; did you mean "all_messages"?`},
		{"LAST_MESSAGE", "", `unknown trace type "LAST_MESSAGE": want one of none, last_message, all_messages; did you mean "last_message"?`},
		{"", "", `unknown trace type "": want one of none, last_message, all_messages`},
		{"everything", "", `unknown trace type "everything": want one of none, last_message, all_messages`},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := ParseTraceType(tt.give)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Errorf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("error %v\nwant %s", err, tt.wantErr)
			}
			if !errors.Is(err, ErrUnknownTraceType) {
				t.Errorf("error does not wrap ErrUnknownTraceType")
			}
		})
	}
}

func TestTraceTypeUnmarshalText(t *testing.T) {
	var tt TraceType
	if err := tt.UnmarshalText([]byte("last_message")); err != nil || tt != TraceLastMessage {
		t.Errorf("got %q, %v", tt, err)
	}
	if err := tt.UnmarshalText([]byte("true")); err == nil || tt != TraceLastMessage {
		t.Errorf("bad value accepted or value changed: %q, %v", tt, err)
	}
}
