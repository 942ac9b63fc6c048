package validation

import (
	"testing"

	"github.com/synthgen/synthgen/columns/value"
)

func TestParseResult(t *testing.T) {
	tests := []struct {
		give    string
		want    string
		wantErr string
	}{
		{`{"is_valid": true}`, `{"is_valid": true, "messages": []}`, ""},
		{`{"is_valid": null, "confidence": "low"}`, `{"is_valid": null, "messages": []}`, ""},
		{`{"is_valid": false, "messages": "too long"}`, `{"is_valid": false, "messages": ["too long"]}`, ""},
		{`{"is_valid": false, "messages": ["a", {"line": 2}], "error": "b", "error_messages": ""}`,
			`{"is_valid": false, "messages": ["a", "{\"line\": 2}", "b"]}`, ""},
		{`{"valid": true}`, "", `result has no "is_valid"`},
		{`{"is_valid": 1}`, "", `result's "is_valid" is int, want a bool`},
		{`[true]`, "", `result is list, want an object with "is_valid"`},
	}
	for _, tt := range tests {
		v, err := value.DecodeJSON([]byte(tt.give))
		if err != nil {
			t.Fatal(err)
		}
		r, err := parseResult(v)
		switch {
		case tt.wantErr != "":
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("parseResult(%s) error %v, want %q", tt.give, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("parseResult(%s): %v", tt.give, err)
		case value.JSON(r.value()) != tt.want:
			t.Errorf("parseResult(%s) = %s, want %s", tt.give, value.JSON(r.value()), tt.want)
		}
	}
}
