package traceset

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestNumericOptions(t *testing.T) {
	tests := []struct {
		give string
		want []float64
	}{
		{`{"5": "Right", "1": "Wrong", "3": "Partly"}`, []float64{1, 3, 5}},
		{`{"0": "No", "1": "Yes"}`, []float64{0, 1}},
		{`[10, 0, 5]`, []float64{0, 5, 10}},
		{`{"polite": "", "rude": ""}`, nil},
		{`{"1": "", "good": ""}`, nil},
		{`null`, nil},
	}
	for _, tt := range tests {
		if got := numericOptions(json.RawMessage(tt.give)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("numericOptions(%s) = %v, want %v", tt.give, got, tt.want)
		}
	}
}
