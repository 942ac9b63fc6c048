package columns

import (
	"errors"
	"testing"
)

type closeFunc func() error

func (f closeFunc) Close() error { return f() }

// A Shared value's create may register closers (the LLM kinds start the MCP
// manager there); Close closes them last first, once.
func TestSharedMayAddClosers(t *testing.T) {
	bc := &BuildContext{}
	var order []string
	v := bc.Shared("k", func() any {
		bc.AddCloser(closeFunc(func() error { order = append(order, "first"); return nil }))
		return 42
	})
	bc.AddCloser(closeFunc(func() error { order = append(order, "second"); return errors.New("boom") }))
	if v != 42 || bc.Shared("k", func() any { return 0 }) != 42 {
		t.Fatal("Shared did not keep the first value")
	}
	if err := bc.Close(); err == nil || err.Error() != "boom" {
		t.Fatalf("Close = %v", err)
	}
	if len(order) != 2 || order[0] != "second" || order[1] != "first" {
		t.Fatalf("close order %v", order)
	}
	if err := bc.Close(); err != nil || len(order) != 2 {
		t.Fatal("Close is not idempotent")
	}
}
