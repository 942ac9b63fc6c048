package review

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/synthgen/synthgen/traceset"
)

//go:embed assets
var assets embed.FS

// Limits on what the page may send.
const (
	MaxNotes     = 10_000 // bytes of notes per annotation
	MaxTags      = 20     // tags per annotation
	MaxTagLen    = 64     // bytes per tag
	MaxFilterLen = 4_000  // bytes of a filter
	maxBody      = 64 << 10
	maxWindow    = 1_000 // row ids per /api/rows page
)

// Options configure a review server.
type Options struct {
	// Folder is the dataset folder; Column the LLM column whose traces are
	// reviewed ("" means the only column with a trace).
	Folder *traceset.Folder
	Column string
	// Filter selects the rows to review (the query language; a row is in
	// the list when some span of its trace passes); "" selects every row.
	Filter string
	// Reviewer is written in each annotation.
	Reviewer string
	// Hosts are host names the server answers to besides localhost and IP
	// literals (a guard against DNS rebinding): the host of a non-loopback
	// listen address.
	Hosts []string
	// Now is the clock of the annotations' ts; nil means time.Now.
	Now func() time.Time
}

// FilterError is a filter that does not compile or cannot be evaluated;
// Col is the 1-based column of the offending token, 0 when unknown.
type FilterError struct {
	Col int
	Err error
}

func (e *FilterError) Error() string { return e.Err.Error() }
func (e *FilterError) Unwrap() error { return e.Err }

// New returns the review server of opts.Folder: the page, its assets and
// the JSON API (see the package documentation). It reads the folder's
// annotations and, with a filter, its row groups and span log once.
// The handler is safe for concurrent use.
func New(opts Options) (http.Handler, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	return s.handler(), nil
}

// server is the state behind the handler.
type server struct {
	f        *traceset.Folder
	column   string
	reviewer string
	now      func() time.Time
	hosts    map[string]bool
	rows     *rowIndex
	cache    groupCache

	mu       sync.Mutex // guards the fields below and serialises appends
	labels   map[traceset.Key]traceset.Annotation
	badLines int
	hashes   map[int64]string // current trace hash of labelled rows
	filter   string
	ids      []int64 // the list under review, ascending
	undo     []undoEntry
}

// undoEntry is one label action: what (row, column) held before it.
type undoEntry struct {
	key  traceset.Key
	prev traceset.Annotation
	had  bool
}

// maxUndo bounds the undo history.
const maxUndo = 1000

func newServer(opts Options) (*server, error) {
	if opts.Folder == nil {
		return nil, errors.New("review: no folder")
	}
	s := &server{f: opts.Folder, reviewer: opts.Reviewer, now: opts.Now, hosts: map[string]bool{"localhost": true}}
	if s.now == nil {
		s.now = time.Now
	}
	for _, h := range opts.Hosts {
		s.hosts[strings.ToLower(h)] = true
	}
	s.cache.f = s.f
	var err error
	if s.rows, err = indexRows(s.f); err != nil {
		return nil, err
	}
	first, err := s.f.Group(s.f.Groups()[0])
	if err != nil {
		return nil, err
	}
	if s.column, err = first.TraceColumn(opts.Column); err != nil {
		return nil, err
	}
	s.cache.column = s.column
	s.cache.put(newCachedGroup(first, s.column))
	if s.labels, s.badLines, err = traceset.ReadAnnotations(s.f.Dir); err != nil {
		return nil, fmt.Errorf("reading %s: %w", traceset.AnnotationsFile, err)
	}
	if s.hashes, err = s.labelledHashes(); err != nil {
		return nil, err
	}
	s.filter = opts.Filter
	if s.ids, err = s.selectRows(opts.Filter); err != nil {
		return nil, err
	}
	return s, nil
}

// labelledHashes reads the current trace hash of every labelled row of
// the reviewed column, a row group at a time.
func (s *server) labelledHashes() (map[int64]string, error) {
	byGroup := map[int][]int64{}
	for k := range s.labels {
		if k.Column != s.column {
			continue
		}
		if id, ok := s.rows.group(k.Row); ok {
			byGroup[id] = append(byGroup[id], k.Row)
		}
	}
	out := map[int64]string{}
	for id, rows := range byGroup {
		g, err := s.f.Group(id)
		if err != nil {
			return nil, err
		}
		cg := newCachedGroup(g, s.column)
		for _, r := range rows {
			out[r] = cg.hash(r)
		}
	}
	return out, nil
}

// handler routes the page, its assets and the API; anything else is 404,
// a known path with another method 405.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("GET /report", s.page)
	mux.HandleFunc("GET /assets/{name}", s.asset)
	mux.HandleFunc("GET /api/state", s.getState)
	mux.HandleFunc("GET /api/progress", s.getProgress)
	mux.HandleFunc("GET /api/rows", s.getRows)
	mux.HandleFunc("GET /api/trace", s.getTrace)
	mux.HandleFunc("POST /api/label", s.postLabel)
	mux.HandleFunc("POST /api/undo", s.postUndo)
	mux.HandleFunc("GET /api/filter", s.getFilter)
	mux.HandleFunc("POST /api/filter", s.postFilter)
	mux.HandleFunc("GET /api/report", s.getReport)
	return s.guard(mux)
}

// guard sets the security headers on every response, answers only to
// known hosts, and refuses cross-site and non-JSON writes.
func (s *server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if !s.knownHost(r.Host) {
			writeError(w, http.StatusMisdirectedRequest, fmt.Errorf("unknown host %q", r.Host))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
				writeError(w, http.StatusForbidden, errors.New("cross-origin request"))
				return
			}
			if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
				writeError(w, http.StatusForbidden, errors.New("cross-site request"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// knownHost says whether host (a Host header) is localhost, an IP literal
// or one of the configured names.
func (s *server) knownHost(host string) bool {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.Trim(strings.ToLower(name), "[]")
	return net.ParseIP(name) != nil || s.hosts[name]
}

func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, host)
}

func (s *server) page(w http.ResponseWriter, r *http.Request) {
	b, err := assets.ReadFile("assets/index.html")
	if err != nil {
		panic(err) // embedded at build time
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b)
}

func (s *server) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	b, err := fs.ReadFile(assets, path.Join("assets", name))
	if err != nil || name == "index.html" || strings.Contains(name, "/") {
		writeError(w, http.StatusNotFound, fmt.Errorf("no asset %q", name))
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Write(b)
}

// writeJSON writes v with status 200.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

// apiError is the body of every error response.
type apiError struct {
	Error  string `json:"error"`
	Column int    `json:"column,omitempty"` // of a filter error
}

func writeError(w http.ResponseWriter, status int, err error) {
	body := apiError{Error: err.Error()}
	var fe *FilterError
	if errors.As(err, &fe) {
		body.Column = fe.Col
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// decodeBody reads a JSON request body of at most maxBody bytes into v;
// unknown fields are an error. It writes the error response itself.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, errors.New("want Content-Type: application/json"))
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes", maxBody))
			return false
		}
		writeError(w, http.StatusBadRequest, fmt.Errorf("reading the request: %w", err))
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, errors.New("reading the request: more than one JSON value"))
		return false
	}
	return true
}

// intParam reads an integer query parameter; def when absent.
func intParam(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: not an integer: %q", name, v)
	}
	return n, nil
}
