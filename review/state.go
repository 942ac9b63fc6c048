package review

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/synthgen/synthgen/traceset"
	"github.com/synthgen/synthgen/tracing/query"
)

// selectRows returns the rows of the list for filter, ascending: every
// written row when filter is "", else the rows some span of whose trace
// passes it. It reads each row group and its span log once.
func (s *server) selectRows(filter string) ([]int64, error) {
	if strings.TrimSpace(filter) == "" {
		return slices.Clone(s.rows.all), nil
	}
	if len(filter) > MaxFilterLen {
		return nil, &FilterError{Err: fmt.Errorf("filter longer than %d bytes", MaxFilterLen)}
	}
	flt, err := query.Compile(filter)
	if err != nil {
		col := 0
		var qe *query.Error
		if errors.As(err, &qe) {
			col = qe.Col
		}
		return nil, &FilterError{Col: col, Err: err}
	}
	s.mu.Lock()
	labels := make(map[traceset.Key]traceset.Annotation, len(s.labels))
	for k, a := range s.labels {
		labels[k] = a
	}
	s.mu.Unlock()
	fs := traceset.Filters{Span: flt}
	var out []int64
	for _, id := range s.f.Groups() {
		g, err := s.f.Group(id)
		if err != nil {
			return nil, err
		}
		traces, err := s.f.Traces(id, g, labels)
		if errors.Is(err, traceset.ErrNoSpans) {
			return nil, &FilterError{Err: fmt.Errorf("filters need the span log: %w", err)}
		}
		if err != nil {
			return nil, err
		}
		for i := range traces {
			sel, err := fs.Select(&traces[i])
			if err != nil {
				return nil, &FilterError{Err: fmt.Errorf("row %d: %w", traces[i].Row, err)}
			}
			if len(sel) > 0 && s.rows.has(traces[i].Row) {
				out = append(out, traces[i].Row)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Progress is where the review of the list stands. Left counts the rows
// without a label or with a stale one; Pass, Fail and Defer the current
// (not stale) labels.
type Progress struct {
	Total int `json:"total"`
	Left  int `json:"left"`
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Defer int `json:"defer"`
	Stale int `json:"stale"`
	// FirstLeft is the position in the list of the first row left, -1
	// when none is.
	FirstLeft int `json:"first_left"`
}

// labelOf returns row's current label of the reviewed column ("" when
// none or cleared) and whether it is stale. Callers hold s.mu.
func (s *server) labelOf(row int64) (traceset.Annotation, string, bool) {
	a, ok := s.labels[traceset.Key{Row: row, Column: s.column}]
	if !ok || a.Label == "" {
		return a, "", false
	}
	h, known := s.hashes[row]
	return a, a.Label, known && h != a.TraceHash
}

// progress counts the list's labels. Callers hold s.mu.
func (s *server) progress() Progress {
	p := Progress{Total: len(s.ids), FirstLeft: -1}
	for k := range s.labels {
		if k.Column != s.column {
			continue
		}
		if _, in := slices.BinarySearch(s.ids, k.Row); !in {
			continue
		}
		_, label, stale := s.labelOf(k.Row)
		switch {
		case label == "":
			continue
		case stale:
			p.Stale++
			continue
		case label == traceset.LabelPass:
			p.Pass++
		case label == traceset.LabelFail:
			p.Fail++
		case label == traceset.LabelDefer:
			p.Defer++
		}
	}
	p.Left = p.Total - p.Pass - p.Fail - p.Defer
	for i, row := range s.ids {
		if _, label, stale := s.labelOf(row); label == "" || stale {
			p.FirstLeft = i
			break
		}
	}
	return p
}

// index is row's position in the list, -1 when it is not in it. Callers
// hold s.mu.
func (s *server) index(row int64) int {
	i, ok := slices.BinarySearch(s.ids, row)
	if !ok {
		return -1
	}
	return i
}

// labelView is a label as the page sees it.
type labelView struct {
	Label     string   `json:"label"`
	Notes     string   `json:"notes"`
	Tags      []string `json:"tags"`
	Reviewer  string   `json:"reviewer"`
	TS        string   `json:"ts"`
	TraceHash string   `json:"trace_hash"`
	Stale     bool     `json:"stale"`
}

// viewOf returns row's label view, nil when it has none. Callers hold s.mu.
func (s *server) viewOf(row int64) *labelView {
	a, ok := s.labels[traceset.Key{Row: row, Column: s.column}]
	if !ok {
		return nil
	}
	_, _, stale := s.labelOf(row)
	v := &labelView{Label: a.Label, Notes: a.Notes, Tags: a.Tags, Reviewer: a.Reviewer, TraceHash: a.TraceHash, Stale: stale}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if !a.TS.IsZero() {
		v.TS = a.TS.UTC().Format("2006-01-02T15:04:05Z")
	}
	return v
}

type stateResponse struct {
	Dir       string   `json:"dir"`
	Column    string   `json:"column"`
	Filter    string   `json:"filter"`
	Reviewer  string   `json:"reviewer"`
	Rows      int      `json:"rows"` // written rows in the folder
	Progress  Progress `json:"progress"`
	BadLines  int      `json:"bad_lines"` // unreadable lines of annotations.jsonl
	MaxNotes  int      `json:"max_notes"`
	MaxTags   int      `json:"max_tags"`
	MaxTagLen int      `json:"max_tag_len"`
}

func (s *server) getState(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, stateResponse{
		Dir: filepath.Base(s.f.Dir), Column: s.column, Filter: s.filter, Reviewer: s.reviewer,
		Rows: len(s.rows.all), Progress: s.progress(), BadLines: s.badLines,
		MaxNotes: MaxNotes, MaxTags: MaxTags, MaxTagLen: MaxTagLen,
	})
}

func (s *server) getProgress(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, s.progress())
}

// rowState is one entry of the id window.
type rowState struct {
	Row   int64  `json:"row"`
	Label string `json:"label"`
	Stale bool   `json:"stale,omitempty"`
}

type rowsResponse struct {
	Total  int        `json:"total"`
	Offset int        `json:"offset"`
	Rows   []rowState `json:"rows"`
	// Index is the position of the ?around= row, -1 when it is not in the
	// list.
	Index int `json:"index"`
}

// getRows returns a window of the list: ?offset=&limit= (limit at most
// maxWindow), or ?around=ROW&limit= for the window holding that row.
func (s *server) getRows(w http.ResponseWriter, r *http.Request) {
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	limit, err := intParam(r, "limit", 100)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if offset < 0 || limit < 1 || limit > maxWindow {
		writeError(w, http.StatusBadRequest, fmt.Errorf("want offset ≥ 0 and 1 ≤ limit ≤ %d", maxWindow))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := rowsResponse{Total: len(s.ids), Index: -1, Rows: []rowState{}}
	if r.URL.Query().Has("around") {
		row, err := intParam(r, "around", 0)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		if resp.Index = s.index(row); resp.Index >= 0 {
			offset = int64(resp.Index) - int64(resp.Index)%limit
		}
	}
	resp.Offset = int(min(offset, int64(len(s.ids))))
	end := min(resp.Offset+int(limit), len(s.ids))
	for _, row := range s.ids[resp.Offset:end] {
		_, label, stale := s.labelOf(row)
		resp.Rows = append(resp.Rows, rowState{Row: row, Label: label, Stale: stale})
	}
	writeJSON(w, resp)
}

// labelRequest is the body of POST /api/label.
type labelRequest struct {
	Row    *int64   `json:"row"`
	Column string   `json:"column"`
	Label  string   `json:"label"`
	Notes  string   `json:"notes"`
	Tags   []string `json:"tags"`
}

type labelResponse struct {
	Row      int64      `json:"row"`
	Index    int        `json:"index"`
	Label    *labelView `json:"label"`
	Progress Progress   `json:"progress"`
}

// validate checks a label request against the folder; the error says
// what is wrong.
func (s *server) validate(req *labelRequest) error {
	switch {
	case req.Row == nil:
		return errors.New("row is missing")
	case !s.rows.has(*req.Row):
		return fmt.Errorf("row %d is not a written row of the dataset", *req.Row)
	case req.Column != s.column:
		return fmt.Errorf("column %q is not the reviewed column %q", req.Column, s.column)
	}
	switch req.Label {
	case traceset.LabelPass, traceset.LabelFail, traceset.LabelDefer, "":
	default:
		return fmt.Errorf("label %q: want pass, fail, defer or \"\" (clear)", req.Label)
	}
	if len(req.Notes) > MaxNotes {
		return fmt.Errorf("notes of %d bytes: at most %d", len(req.Notes), MaxNotes)
	}
	if len(req.Tags) > MaxTags {
		return fmt.Errorf("%d tags: at most %d", len(req.Tags), MaxTags)
	}
	for i, t := range req.Tags {
		t = strings.TrimSpace(t)
		if t == "" || len(t) > MaxTagLen || strings.IndexFunc(t, unicode.IsControl) >= 0 {
			return fmt.Errorf("tag %q: want 1 to %d printable bytes", req.Tags[i], MaxTagLen)
		}
		req.Tags[i] = t
	}
	return nil
}

// postLabel appends a label of one (row, column) and remembers the label
// it replaces for undo.
func (s *server) postLabel(w http.ResponseWriter, r *http.Request) {
	var req labelRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if err := s.validate(&req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	row := *req.Row
	hash, err := s.hashOf(row)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	if req.Tags == nil {
		req.Tags = []string{}
	}
	a := traceset.Annotation{Row: row, Column: s.column, TraceHash: hash, Label: req.Label, Notes: req.Notes, Tags: req.Tags, Reviewer: s.reviewer, TS: s.now().UTC()}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := traceset.Key{Row: row, Column: s.column}
	prev, had := s.labels[key]
	if err := s.append(a); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	s.undo = append(s.undo, undoEntry{key: key, prev: prev, had: had})
	if len(s.undo) > maxUndo {
		s.undo = slices.Delete(s.undo, 0, len(s.undo)-maxUndo)
	}
	writeJSON(w, labelResponse{Row: row, Index: s.index(row), Label: s.viewOf(row), Progress: s.progress()})
}

// append writes a and makes it the current label. Callers hold s.mu.
func (s *server) append(a traceset.Annotation) error {
	if err := traceset.AppendAnnotation(s.f.Dir, a); err != nil {
		return fmt.Errorf("writing %s: %w", traceset.AnnotationsFile, err)
	}
	s.labels[traceset.Key{Row: a.Row, Column: a.Column}] = a
	return nil
}

// hashOf returns row's current trace hash (reading its row group when it
// is not known yet) and records it.
func (s *server) hashOf(row int64) (string, error) {
	s.mu.Lock()
	h, ok := s.hashes[row]
	s.mu.Unlock()
	if ok {
		return h, nil
	}
	id, _ := s.rows.group(row)
	cg, err := s.cache.group(id)
	if err != nil {
		return "", err
	}
	h = cg.hash(row)
	s.mu.Lock()
	s.hashes[row] = h
	s.mu.Unlock()
	return h, nil
}

// postUndo undoes the last label action of this server: it appends an
// entry restoring the label the (row, column) had before it (a cleared
// label when it had none). The body is an empty JSON object.
func (s *server) postUndo(w http.ResponseWriter, r *http.Request) {
	var req struct{}
	if !decodeBody(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.undo) == 0 {
		writeError(w, http.StatusConflict, errors.New("nothing to undo"))
		return
	}
	u := s.undo[len(s.undo)-1]
	a := u.prev
	if !u.had {
		a = traceset.Annotation{Row: u.key.Row, Column: u.key.Column, TraceHash: s.hashes[u.key.Row], Tags: []string{}}
	}
	a.Reviewer, a.TS = s.reviewer, s.now().UTC()
	if err := s.append(a); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	s.undo = s.undo[:len(s.undo)-1]
	writeJSON(w, labelResponse{Row: a.Row, Index: s.index(a.Row), Label: s.viewOf(a.Row), Progress: s.progress()})
}

type filterResponse struct {
	Filter   string   `json:"filter"`
	Progress Progress `json:"progress"`
}

func (s *server) getFilter(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, filterResponse{Filter: s.filter, Progress: s.progress()})
}

// postFilter replaces the list by the rows of {"filter": "..."}; a filter
// error is 400 with the column of the offending token.
func (s *server) postFilter(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Filter string `json:"filter"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	ids, err := s.selectRows(req.Filter)
	var fe *FilterError
	switch {
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, err)
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.filter, s.ids = strings.TrimSpace(req.Filter), ids
	writeJSON(w, filterResponse{Filter: s.filter, Progress: s.progress()})
}

func (s *server) getReport(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	labels := make(map[traceset.Key]traceset.Annotation, len(s.labels))
	for k, a := range s.labels {
		labels[k] = a
	}
	s.mu.Unlock()
	rep, err := BuildReport(s.f, s.column, labels, ReportOptions{})
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, rep)
}
