package traceset

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/synthgen/synthgen/columns/value"
)

// AnnotationsFile is the review labels of a dataset folder: one JSON line
// per action, append-only; the latest entry per (row, column) wins.
const AnnotationsFile = "annotations.jsonl"

// Labels. An entry with an empty label clears the (row, column)'s label
// (what undo writes when there was none before).
const (
	LabelPass  = "pass"
	LabelFail  = "fail"
	LabelDefer = "defer"
)

// HumanFeedbackKey is the feedback key of review labels in queries: score
// 1 for pass, 0 for fail (defer and cleared labels are not feedback).
const HumanFeedbackKey = "human"

// Annotation is one review action (spec/trace-toolkit.md, "Review").
type Annotation struct {
	Row       int64     `json:"row"`
	Column    string    `json:"column"`
	TraceHash string    `json:"trace_hash"`
	Label     string    `json:"label"`
	Notes     string    `json:"notes"`
	Tags      []string  `json:"tags"`
	Reviewer  string    `json:"reviewer"`
	TS        time.Time `json:"ts"`
}

// Key is a (row, column) pair.
type Key struct {
	Row    int64
	Column string
}

// TraceHash is the hash of a trace cell as written: a label whose
// TraceHash differs from the trace's is stale.
func TraceHash(cell any) string {
	sum := sha256.Sum256([]byte(value.CompactJSON(cell)))
	return "sha256:" + hex.EncodeToString(sum[:12])
}

// ReadAnnotations reads dir's annotations.jsonl and returns the latest
// entry per (row, column), cleared ones included; a missing file is no
// annotations. A line that does not parse — a write cut short by a crash —
// is skipped and counted in bad.
func ReadAnnotations(dir string) (latest map[Key]Annotation, bad int, err error) {
	latest = map[Key]Annotation{}
	f, err := os.Open(filepath.Join(dir, AnnotationsFile))
	if errors.Is(err, os.ErrNotExist) {
		return latest, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		b, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var a Annotation
			if json.Unmarshal(b, &a) != nil || a.Column == "" {
				bad++
			} else {
				latest[Key{a.Row, a.Column}] = a
			}
		}
		if err == io.EOF {
			return latest, bad, nil
		}
		if err != nil {
			return nil, 0, err
		}
	}
}

// AppendAnnotation appends a to dir's annotations.jsonl in one write and
// syncs it, so a crash leaves at most a cut-short last line (which the
// next append ends with a newline and readers ignore). Callers serialise
// appends to one folder.
func AppendAnnotation(dir string, a Annotation) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, AnnotationsFile), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			b = append([]byte{'\n'}, b...)
		}
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return err
	}
	return f.Sync()
}
