package mcp

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

// Provider types (provider_type).
const (
	TypeStdio          = "stdio"
	TypeSSE            = "sse"
	TypeStreamableHTTP = "streamable_http"
)

const (
	// connectTimeout bounds starting a server and the MCP handshake.
	connectTimeout = 30 * time.Second
	// terminateGrace is how long Close waits for a stdio server to exit after
	// its stdin is closed, before SIGTERM and then SIGKILL.
	terminateGrace = 2 * time.Second
	// maxRestarts is how often a stdio server that exits is started again
	// per run.
	maxRestarts = 1
	// exitWait is how long a failed call waits to learn whether the stdio
	// server exited (the session ends just after the pipe breaks).
	exitWait = time.Second
	// stderrTail is how much of a stdio server's stderr is kept for errors.
	stderrTail = 1024
)

// errExited is the reason of calls to a stdio server that exited for good.
var errExited = errors.New("the MCP server exited")

// provider is one MCP server: its configuration and its current session.
type provider struct {
	cfg     config.MCPProvider
	baseDir string
	getenv  func(string) (string, bool)
	baseCtx context.Context // the manager's; canceled by Close

	// sem serializes connecting, restarting, listing and closing; calls run
	// outside it on the shared session.
	sem      chan struct{}
	cur      *session // nil until connected, and after a permanent failure
	gen      int      // incremented per session
	failed   error    // permanent failure: calls fail with it
	restarts int
	closed   bool

	listed  bool
	tools   []*sdk.Tool
	listErr error
}

// session is one connection to the server.
type session struct {
	cs     *sdk.ClientSession
	gen    int
	ended  chan struct{} // closed when the session ends (server exit, Close)
	cancel context.CancelFunc
	cmd    *exec.Cmd   // stdio only
	stderr *tailBuffer // stdio only
}

func newProvider(cfg config.MCPProvider, baseDir string, getenv func(string) (string, bool), baseCtx context.Context) *provider {
	return &provider{cfg: cfg, baseDir: baseDir, getenv: getenv, baseCtx: baseCtx, sem: make(chan struct{}, 1)}
}

func (p *provider) lock(ctx context.Context) error {
	select {
	case p.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (p *provider) unlock() { <-p.sem }

// list returns the provider's tools, fetched once per run.
func (p *provider) list(ctx context.Context) ([]*sdk.Tool, error) {
	if err := p.lock(ctx); err != nil {
		return nil, err
	}
	defer p.unlock()
	if p.listed {
		return p.tools, p.listErr
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer context.AfterFunc(p.baseCtx, func() { cancel(errClosed) })()
	s, err := p.sessionLocked(ctx)
	if err != nil {
		return nil, err
	}
	// A server that answers the handshake but never the list must not hang
	// the run: the list gets the connect timeout too.
	ctx, cancelList := context.WithTimeoutCause(ctx, connectTimeout, errConnectTimeout)
	defer cancelList()
	var tools []*sdk.Tool
	for t, err := range s.cs.Tools(ctx, nil) {
		if err != nil {
			if errors.Is(context.Cause(ctx), errConnectTimeout) {
				p.listed, p.listErr = true, p.unreachable("listing tools: %v", errConnectTimeout)
				return nil, p.listErr
			}
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			p.listed, p.listErr = true, p.unreachable("listing tools: %v", err)
			return nil, p.listErr
		}
		tools = append(tools, t)
	}
	p.listed, p.tools = true, tools
	return tools, nil
}

// call runs one tool. A stdio server that exited is restarted once per run
// (before the call when it exited while idle, or after the call failed
// because it exited) and the call is retried on the new session.
func (p *provider) call(ctx context.Context, params *sdk.CallToolParams) (*sdk.CallToolResult, error) {
	s, err := p.session(ctx, 0)
	if err != nil {
		return nil, err
	}
	res, err := s.cs.CallTool(ctx, params)
	if err == nil || ctx.Err() != nil || p.cfg.ProviderType != TypeStdio || serverAnswered(err) || !s.exited(ctx) {
		return res, err
	}
	if s, err = p.session(ctx, s.gen); err != nil {
		return nil, err
	}
	return s.cs.CallTool(ctx, params)
}

// session returns the live session, connecting on first use. failedGen > 0
// reports that session failedGen's server exited during a call.
func (p *provider) session(ctx context.Context, failedGen int) (*session, error) {
	if err := p.lock(ctx); err != nil {
		return nil, err
	}
	defer p.unlock()
	if s := p.cur; s != nil && s.gen == failedGen {
		return p.restartLocked(ctx)
	}
	return p.sessionLocked(ctx)
}

func (p *provider) sessionLocked(ctx context.Context) (*session, error) {
	switch {
	case p.closed:
		return nil, errClosed
	case p.failed != nil:
		return nil, p.failed
	case p.cur == nil:
		return p.connectLocked(ctx)
	case p.cfg.ProviderType == TypeStdio && isClosed(p.cur.ended):
		return p.restartLocked(ctx) // exited while idle
	}
	return p.cur, nil
}

// restartLocked replaces the session of a stdio server that exited, once
// per run; after that the provider fails for good.
func (p *provider) restartLocked(ctx context.Context) (*session, error) {
	old := p.cur
	p.cur = nil
	status := ""
	if err := old.close(); err != nil {
		status = " (" + err.Error() + ")"
	}
	if p.restarts >= maxRestarts {
		p.failed = &providerError{msg: p.redact(fmt.Sprintf("mcp provider %q: the server exited%s and was already restarted %s",
			p.cfg.Name, status, times(maxRestarts))), errs: []error{columns.ErrUnreachable, errExited}}
		return nil, p.failed
	}
	p.restarts++
	return p.connectLocked(ctx)
}

// connectLocked starts the server (stdio) and runs the MCP handshake. A
// failure other than ctx ending is permanent for the run.
func (p *provider) connectLocked(ctx context.Context) (*session, error) {
	transport, stderr, err := p.transport()
	if err != nil {
		p.failed = err
		return nil, err
	}
	// The connection lives until Close (the SSE stream is bound to the
	// context it was opened with); ctx and connectTimeout only bound the
	// handshake.
	connCtx, cancel := context.WithCancelCause(p.baseCtx)
	timer := time.AfterFunc(connectTimeout, func() { cancel(errConnectTimeout) })
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	client := sdk.NewClient(&sdk.Implementation{Name: "synthgen", Version: "1"}, nil)
	cs, err := client.Connect(connCtx, transport, nil)
	timer.Stop()
	detached := stop()
	if err == nil && !detached {
		cs.Close()
		err = context.Cause(ctx)
	}
	if err != nil {
		cause := context.Cause(connCtx)
		cancel(nil)
		if ctx.Err() != nil {
			return nil, context.Cause(ctx) // not the provider's fault: try again next time
		}
		if errors.Is(cause, errConnectTimeout) {
			err = cause
		}
		p.failed = p.connectError(err, stderr)
		return nil, p.failed
	}
	p.gen++
	s := &session{cs: cs, gen: p.gen, ended: make(chan struct{}), cancel: func() { cancel(nil) }, stderr: stderr}
	if ct, ok := transport.(*sdk.CommandTransport); ok {
		s.cmd = ct.Command
	}
	go func() { // ends when the session does: at the latest in Close
		cs.Wait()
		close(s.ended)
	}()
	p.cur = s
	return s, nil
}

var errConnectTimeout = fmt.Errorf("no answer within %v", connectTimeout)

// transport builds the SDK transport of the provider.
func (p *provider) transport() (sdk.Transport, *tailBuffer, error) {
	switch p.cfg.ProviderType {
	case TypeStdio:
		if strings.TrimSpace(p.cfg.Command) == "" {
			return nil, nil, p.unreachable("command is required for provider_type stdio")
		}
		cmd := exec.Command(p.commandPath(), p.cfg.Args...)
		cmd.Dir = p.baseDir
		cmd.Env = os.Environ()
		for _, k := range slices.Sorted(maps.Keys(p.cfg.Env)) {
			cmd.Env = append(cmd.Env, k+"="+p.cfg.Env[k])
		}
		stderr := &tailBuffer{max: stderrTail}
		cmd.Stderr = stderr
		cmd.WaitDelay = terminateGrace
		ownProcessGroup(cmd)
		return &sdk.CommandTransport{Command: cmd, TerminateDuration: terminateGrace}, stderr, nil
	case TypeStreamableHTTP, TypeSSE:
		if strings.TrimSpace(p.cfg.Endpoint) == "" {
			return nil, nil, p.unreachable("endpoint is required for provider_type %s", p.cfg.ProviderType)
		}
		key, err := p.apiKey()
		if err != nil {
			return nil, nil, err
		}
		hc := http.DefaultClient
		if key != "" {
			hc = &http.Client{Transport: &bearer{token: key, base: http.DefaultTransport}}
		}
		if p.cfg.ProviderType == TypeSSE {
			return &sdk.SSEClientTransport{Endpoint: p.cfg.Endpoint, HTTPClient: hc}, nil, nil
		}
		return &sdk.StreamableClientTransport{Endpoint: p.cfg.Endpoint, HTTPClient: hc}, nil, nil
	default:
		return nil, nil, p.unreachable("unknown provider_type %q (stdio, sse, streamable_http)", p.cfg.ProviderType)
	}
}

// commandPath resolves the command: relative to the config's folder when it
// contains a path separator, else through PATH (by exec).
func (p *provider) commandPath() string {
	c := p.cfg.Command
	if filepath.IsAbs(c) || !strings.ContainsRune(filepath.ToSlash(c), '/') {
		return c
	}
	return filepath.Join(p.baseDir, c)
}

var envName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// apiKey resolves api_key as for model providers: the value of the
// environment variable it names, or a literal; "" for none.
func (p *provider) apiKey() (string, error) {
	k := strings.TrimSpace(p.cfg.APIKey)
	if !envName.MatchString(k) {
		return k, nil
	}
	if v, ok := p.getenv(k); ok {
		return v, nil
	}
	return "", p.unreachable("environment variable %s (api_key) is not set", k)
}

// connectError describes a failed start or handshake without secrets.
func (p *provider) connectError(err error, stderr *tailBuffer) error {
	var pathErr *fs.PathError
	var execErr *exec.Error
	switch {
	case errors.As(err, &execErr):
		return p.unreachable("exec %s: %v", p.cfg.Command, execErr.Err)
	case errors.As(err, &pathErr) && strings.Contains(pathErr.Op, "exec"):
		return p.unreachable("exec %s: %v", p.cfg.Command, pathErr.Err)
	}
	msg := fmt.Sprintf("connecting to %s: %v", redactURL(p.cfg.Endpoint), err)
	if p.cfg.ProviderType == TypeStdio {
		msg = fmt.Sprintf("MCP handshake with %s failed: %v", p.cfg.Command, err)
	}
	if tail := strings.TrimSpace(stderr.String()); tail != "" {
		msg += "; stderr: " + tail
	}
	return p.unreachable("%s", msg)
}

// unreachable returns an error wrapping columns.ErrUnreachable whose message
// names the provider and holds no secret.
func (p *provider) unreachable(format string, args ...any) error {
	return &providerError{msg: p.redact(fmt.Sprintf("mcp provider %q: "+format, append([]any{p.cfg.Name}, args...)...)),
		errs: []error{columns.ErrUnreachable}}
}

// redact replaces the api key and env values in s, and the endpoint by its
// form without password and query.
func (p *provider) redact(s string) string {
	if p.cfg.Endpoint != "" {
		s = strings.ReplaceAll(s, p.cfg.Endpoint, redactURL(p.cfg.Endpoint))
	}
	secrets := []string{strings.TrimSpace(p.cfg.APIKey)}
	if envName.MatchString(secrets[0]) {
		v, _ := p.getenv(secrets[0])
		secrets[0] = v
	}
	for _, v := range p.cfg.Env {
		secrets = append(secrets, v)
	}
	for _, v := range secrets {
		if len(v) >= 3 {
			s = strings.ReplaceAll(s, v, "***")
		}
	}
	return s
}

// close ends the provider's session and marks it closed.
func (p *provider) close() error {
	p.sem <- struct{}{} // in-flight connects end: the base context is canceled
	defer p.unlock()
	p.closed = true
	if p.cur == nil {
		return nil
	}
	s := p.cur
	p.cur = nil
	if err := s.close(); err != nil && p.cfg.ProviderType != TypeStdio {
		return fmt.Errorf("closing mcp provider %q: %w", p.cfg.Name, err)
	}
	return nil // a stdio server's exit status on close is not an error
}

// close ends the session (a stdio server: stdin closed, then SIGTERM and
// SIGKILL) and returns how it ended.
func (s *session) close() error {
	err := s.cs.Close()
	s.cancel()
	<-s.ended
	killGroup(s.cmd) // what the server started outlives it otherwise
	return err
}

// serverAnswered reports whether err is an error response of the server
// (not one of the SDK's connection-closing errors).
func serverAnswered(err error) bool {
	var werr *jsonrpc.Error
	return errors.As(err, &werr) && werr.Code != codeClientClosing && werr.Code != codeServerClosing
}

// The SDK's JSON-RPC codes for calls cut short by a closing connection.
const (
	codeClientClosing = -32003
	codeServerClosing = -32004
)

// exited reports whether the session's server exited, waiting a little for
// the session to notice.
func (s *session) exited(ctx context.Context) bool {
	t := time.NewTimer(exitWait)
	defer t.Stop()
	select {
	case <-s.ended:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// providerError is an error with its own (redacted) message that matches
// errs with errors.Is.
type providerError struct {
	msg  string
	errs []error
}

func (e *providerError) Error() string   { return e.msg }
func (e *providerError) Unwrap() []error { return e.errs }

// bearer adds Authorization: Bearer to every request.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b *bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

// tailBuffer keeps the last max bytes written to it. Safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// redactURL drops the password and query of an endpoint for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid endpoint URL)"
	}
	u.RawQuery, u.Fragment = "", ""
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}
