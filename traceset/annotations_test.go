package traceset

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAnnotationsLatestWinsAndCutShortLines(t *testing.T) {
	dir := t.TempDir()
	add := func(a Annotation) {
		t.Helper()
		if err := AppendAnnotation(dir, a); err != nil {
			t.Fatal(err)
		}
	}
	add(Annotation{Row: 1, Column: "answer", Label: LabelFail, Notes: "wrong tool"})
	add(Annotation{Row: 2, Column: "answer", Label: LabelPass})
	// A crash mid-write leaves a cut-short line without a newline.
	path := filepath.Join(dir, AnnotationsFile)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"row":3,"column":"ans`)
	f.Close()
	add(Annotation{Row: 1, Column: "answer", Label: LabelPass}) // the latest for row 1
	add(Annotation{Row: 2, Column: "answer", Label: ""})        // cleared (undo)

	got, bad, err := ReadAnnotations(dir)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 1 {
		t.Errorf("bad lines = %d, want 1 (the cut-short one)", bad)
	}
	if a := got[Key{1, "answer"}]; a.Label != LabelPass {
		t.Errorf("row 1: %q, want the latest entry (pass)", a.Label)
	}
	if a, ok := got[Key{2, "answer"}]; !ok || a.Label != "" {
		t.Errorf("row 2: %+v, want the clearing entry", a)
	}
	if _, ok := got[Key{3, "answer"}]; ok {
		t.Error("row 3 from a cut-short line")
	}
	b, _ := os.ReadFile(path)
	if n := len(b); b[n-1] != '\n' {
		t.Error("file does not end with a newline")
	}
	if got, _, err := ReadAnnotations(t.TempDir()); err != nil || len(got) != 0 {
		t.Errorf("no file: %v %v, want none and no error", got, err)
	}
}

func TestTraceHashChangesWithTheTrace(t *testing.T) {
	a := TraceHash([]any{"x"})
	if a != TraceHash([]any{"x"}) || a == TraceHash([]any{"y"}) {
		t.Error("TraceHash is not a function of the value")
	}
}
