package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Server is the mock OpenAI-compatible model server, an http.Handler:
//
//	POST /v1/chat/completions (also /chat/completions)
//	GET  /v1/models
//	GET  /metrics (JSON, see Metrics)
//	GET  /health
//
// It is safe for concurrent use.
type Server struct {
	defaults Options
	started  time.Time

	mu       sync.Mutex
	models   map[string]*load
	total    load
	attempts map[[32]byte]uint32 // request → attempts so far
}

// maxAttemptsTracked bounds the memory of faulted requests.
const maxAttemptsTracked = 1 << 20

var errGone = errors.New("client gone")

// NewServer returns a server answering with the given defaults; each
// request's "mock" object overrides them. Zero fields take the defaults
// documented on Options. It panics if defaults are invalid (a bug:
// command-line values go through ParseOptions or Validate first).
func NewServer(defaults Options) *Server {
	if err := defaults.Validate(); err != nil {
		panic(fmt.Sprintf("mock.NewServer: %v", err))
	}
	return &Server{
		defaults: defaults,
		started:  time.Now(),
		models:   map[string]*load{},
		attempts: map[[32]byte]uint32{},
	}
}

// Start serves a new server with the given defaults on addr (default
// "127.0.0.1:0"): NewServer(defaults).Start(ctx, addr), with invalid
// defaults returned as an error.
func Start(ctx context.Context, addr string, defaults Options) (string, io.Closer, error) {
	if err := defaults.Validate(); err != nil {
		return "", nil, err
	}
	return NewServer(defaults).Start(ctx, addr)
}

// Start serves s on addr (default "127.0.0.1:0", a free loopback port) until
// ctx is done or the closer is called, and returns the base URL ending in
// /v1. Close is idempotent and waits for the server to stop; requests still
// running see their context cancelled.
func (s *Server) Start(ctx context.Context, addr string) (string, io.Closer, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("starting the mock server: %w", err)
	}
	base, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           s,
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 30 * time.Second,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // returns when closed
	}()
	c := &closer{srv: srv, cancel: cancel, done: done}
	c.stop = context.AfterFunc(ctx, func() { _ = c.Close() })
	return "http://" + ln.Addr().String() + "/v1", c, nil
}

type closer struct {
	once   sync.Once
	srv    *http.Server
	cancel context.CancelFunc
	stop   func() bool
	done   chan struct{}
	err    error
}

func (c *closer) Close() error {
	c.once.Do(func() {
		if c.stop != nil {
			c.stop()
		}
		if err := c.srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.err = err
		}
		c.cancel()
		<-c.done
	})
	return c.err
}

// ServeHTTP routes the server's endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	method := http.MethodGet
	var h func(http.ResponseWriter, *http.Request)
	switch path {
	case "/v1/chat/completions", "/chat/completions":
		method, h = http.MethodPost, s.serveChat
	case "/v1/models", "/models":
		h = s.serveModels
	case "/metrics", "/v1/metrics":
		h = s.serveMetrics
	case "/health", "/v1/health", "/healthz":
		h = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}
	default:
		writeError(w, http.StatusNotFound, fmt.Sprintf("Unknown request URL: %s %s.", r.Method, r.URL.Path), "")
		return
	}
	if r.Method != method {
		w.Header().Set("Allow", method)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %s not allowed for %s; use %s.", r.Method, path, method), "")
		return
	}
	h(w, r)
}

func (s *Server) serveModels(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	names := map[string]bool{"mock-text": true, "mock-reasoning": true}
	for n := range s.models {
		names[n] = true
	}
	s.mu.Unlock()
	ids := make([]string, 0, len(names))
	for n := range names {
		ids = append(ids, n)
	}
	sort.Strings(ids)
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	list := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list"}
	for _, id := range ids {
		list.Data = append(list.Data, model{ID: id, Object: "model", Created: s.started.Unix(), OwnedBy: "synthgen-mock"})
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Metrics())
}

// faults are the fault decisions for one attempt of one request.
type faults struct {
	timeout, malformed, truncate bool
	status                       int
	latency                      time.Duration
}

// decide draws the faults of a request: a function of (request, seed, the
// number of earlier attempts of the same request), so a retried request is
// not doomed to fail again and identical requests from different rows draw
// independently (each attempt counts, success or not).
func (s *Server) decide(key [32]byte, o Options) faults {
	s.mu.Lock()
	if len(s.attempts) >= maxAttemptsTracked {
		clear(s.attempts)
	}
	n := s.attempts[key]
	s.attempts[key] = n + 1 // each attempt draws anew, even of identical requests
	s.mu.Unlock()
	r := rng(key, "faults", uint64(n))
	uTimeout, uFail, uMalformed, uTruncate := r.Float64(), r.Float64(), r.Float64(), r.Float64()
	f := faults{latency: o.Latency.Sample(r)}
	f.timeout = uTimeout < o.TimeoutRate
	acc := 0.0
	for _, st := range sortedStatuses(o.FailRate) {
		acc += o.FailRate[st]
		if uFail < acc {
			f.status = st
			break
		}
	}
	f.malformed = uMalformed < o.MalformedRate
	f.truncate = uTruncate < o.TruncateRate
	return f
}

func (s *Server) count(model string, fn func(l *load)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if model != "" {
		fn(s.modelLoad(model))
	}
	fn(&s.total)
}

func (s *Server) serveChat(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return // the client is gone
	}
	req, err := parseRequest(body)
	if err != nil {
		s.count("", func(l *load) { l.requests++; l.countError(http.StatusBadRequest) })
		writeError(w, http.StatusBadRequest, err.Error(), "")
		return
	}
	s.count(req.Model, func(l *load) { l.requests++ })
	opts, err := s.defaults.Override(req.Mock)
	if err != nil {
		s.count(req.Model, func(l *load) { l.countError(http.StatusBadRequest) })
		writeError(w, http.StatusBadRequest, err.Error(), "mock")
		return
	}
	opts = opts.normalized()

	ok, err := s.acquire(ctx.Done(), req.Model, opts.Capacity, opts.Queueing)
	if err != nil {
		abort()
	}
	if !ok {
		s.count(req.Model, func(l *load) { l.countError(http.StatusTooManyRequests) })
		after := opts.RetryAfter
		if after <= 0 {
			after = math.Max(opts.Latency.MeanDuration().Seconds(), 0.001)
		}
		w.Header().Set("Retry-After", formatSeconds(after))
		w.Header().Set("Retry-After-Ms", strconv.FormatInt(int64(math.Ceil(after*1000)), 10))
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf(
			"Rate limit reached for %s: the mock model serves %d concurrent requests; please retry after %s seconds.",
			req.Model, opts.Capacity, formatSeconds(after)), "")
		return
	}
	defer s.release(req.Model)

	key := requestKey(req, opts.Seed)
	f := s.decide(key, opts)
	switch {
	case f.timeout:
		s.count(req.Model, func(l *load) { l.timeouts++ })
		<-ctx.Done() // hang until the client gives up
		abort()
	case f.status != 0:
		s.count(req.Model, func(l *load) { l.countError(f.status) })
		if opts.RetryAfter > 0 && (f.status == http.StatusTooManyRequests || f.status == http.StatusServiceUnavailable) {
			w.Header().Set("Retry-After", formatSeconds(opts.RetryAfter))
			w.Header().Set("Retry-After-Ms", strconv.FormatInt(int64(math.Ceil(opts.RetryAfter*1000)), 10))
		}
		writeError(w, f.status, injectedMessage(f.status, req.Model), "")
		return
	}
	if f.latency > 0 {
		t := time.NewTimer(f.latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			abort()
		}
	}

	rep := answer(req, opts, key)
	limit := 0
	if req.MaxCompletionTokens != nil {
		limit = *req.MaxCompletionTokens
	} else if req.MaxTokens != nil {
		limit = *req.MaxTokens
	}
	if rep.content != "" && len(rep.toolCalls) == 0 {
		if f.truncate {
			rep.content = cutRunes(rep.content, utf8.RuneCountInString(rep.content)/2)
			rep.finish = "length"
			s.count(req.Model, func(l *load) { l.truncated++ })
		}
		if limit > 0 && tokens(len(rep.content)) > limit {
			rep.content = cutRunes(rep.content, limit*4)
			rep.finish = "length"
		}
	}
	resp := s.response(req, opts, key, rep)
	if f.malformed {
		s.count(req.Model, func(l *load) { l.malformed++ })
		data := marshal(resp)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data[:len(data)/2])
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// abort ends a request whose client is gone (or whose server is closing)
// without an answer: net/http drops the connection.
func abort() { panic(http.ErrAbortHandler) }

func injectedMessage(status int, model string) string {
	switch status {
	case http.StatusTooManyRequests:
		return fmt.Sprintf("Rate limit reached for %s (injected by the mock's fail_rate). Please try again later.", model)
	case http.StatusServiceUnavailable:
		return "The server is overloaded or not ready yet (injected by the mock's fail_rate)."
	}
	return fmt.Sprintf("%s (injected by the mock's fail_rate).", http.StatusText(status))
}

// Response shapes (OpenAI chat completions).
type (
	chatResponse struct {
		ID                string       `json:"id"`
		Object            string       `json:"object"`
		Created           int64        `json:"created"`
		Model             string       `json:"model"`
		SystemFingerprint string       `json:"system_fingerprint"`
		Choices           []chatChoice `json:"choices"`
		Usage             chatUsage    `json:"usage"`
	}
	chatChoice struct {
		Index        int         `json:"index"`
		Message      respMessage `json:"message"`
		Logprobs     any         `json:"logprobs"`
		FinishReason string      `json:"finish_reason"`
	}
	respMessage struct {
		Role             string     `json:"role"`
		Content          string     `json:"content"`
		Refusal          any        `json:"refusal"`
		ReasoningContent string     `json:"reasoning_content,omitempty"`
		Reasoning        string     `json:"reasoning,omitempty"`
		ToolCalls        []toolCall `json:"tool_calls,omitempty"`
	}
	chatUsage struct {
		PromptTokens            int                 `json:"prompt_tokens"`
		CompletionTokens        int                 `json:"completion_tokens"`
		TotalTokens             int                 `json:"total_tokens"`
		CompletionTokensDetails *completionTokensDt `json:"completion_tokens_details,omitempty"`
	}
	completionTokensDt struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	}
)

// tokens approximates a token count from a length in bytes.
func tokens(chars int) int { return (chars + 3) / 4 }

func (s *Server) response(req *chatRequest, o Options, key [32]byte, rep reply) chatResponse {
	reasoning := rep.reasoning
	if o.Reasoning != nil && !*o.Reasoning || o.Reasoning == nil && !reasoningModel(req.Model) {
		reasoning = ""
	}
	msg := respMessage{Role: "assistant", Content: rep.content, ToolCalls: rep.toolCalls}
	switch {
	case reasoning == "":
	case o.ReasoningField == FieldReasoning:
		msg.Reasoning = reasoning
	case o.ReasoningField == FieldThink:
		msg.Content = "<think>\n" + reasoning + "\n</think>\n\n" + rep.content
	default:
		msg.ReasoningContent = reasoning
	}
	completion := len(rep.content) + len(reasoning)
	for _, c := range rep.toolCalls {
		completion += len(c.Function.Name) + len(c.Function.Arguments)
	}
	u := chatUsage{PromptTokens: max(1, tokens(req.promptChars())), CompletionTokens: max(1, tokens(completion))}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	if reasoning != "" {
		u.CompletionTokensDetails = &completionTokensDt{ReasoningTokens: tokens(len(reasoning))}
	}
	return chatResponse{
		ID: fmt.Sprintf("chatcmpl-mock%x", key[:12]), Object: "chat.completion", Created: time.Now().Unix(),
		Model: req.Model, SystemFingerprint: "synthgen-mock",
		Choices: []chatChoice{{Index: 0, Message: msg, FinishReason: rep.finish}},
		Usage:   u,
	}
}

// reasoningModel reports whether a model id names a reasoning model.
func reasoningModel(id string) bool {
	id = strings.ToLower(id)
	return strings.Contains(id, "reason") || strings.Contains(id, "think")
}

func cutRunes(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func formatSeconds(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/1000, 'f', -1, 64)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data := marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// marshal encodes v without HTML escaping, newline-terminated.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("mock: encoding a response: %v", err)) // our own types always encode
	}
	return b.Bytes()
}

// writeError writes an OpenAI-style error body.
func writeError(w http.ResponseWriter, status int, message, param string) {
	typ, code := "server_error", any(nil)
	switch {
	case status == http.StatusTooManyRequests:
		typ, code = "requests", "rate_limit_exceeded"
	case status == http.StatusUnauthorized:
		typ, code = "invalid_request_error", "invalid_api_key"
	case status == http.StatusNotFound:
		typ, code = "invalid_request_error", "unknown_url"
	case status < 500:
		typ = "invalid_request_error"
	case status == http.StatusServiceUnavailable:
		code = "service_unavailable"
	}
	var p any
	if param != "" {
		p = param
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": message, "type": typ, "param": p, "code": code}})
}
