package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/tracing"
)

// DefaultTimeout bounds a tool call when the alias has no timeout_sec.
const DefaultTimeout = 60 * time.Second

// errClosed is returned after Close.
var errClosed = errors.New("the MCP manager is closed")

// Tool is one tool offered to a model.
type Tool struct {
	Name        string
	Description string
	// Provider is the name of the MCP provider that serves the tool.
	Provider string
	// Parameters is the tool's input JSON Schema (an object schema). It is
	// shared: callers must not mutate it.
	Parameters map[string]any
}

// ToolSet is the resolution of one tool alias, for listings.
type ToolSet struct {
	Alias string
	Tools []Tool
	Err   error
}

// Manager connects to the MCP providers of a config and runs their tools.
// Its methods are safe for concurrent use; one Manager serves a whole run
// and Close ends it.
type Manager struct {
	doc     *config.Document
	getenv  func(string) (string, bool)
	baseDir string
	ctx     context.Context // canceled by Close: ends pending connects
	cancel  context.CancelFunc

	mu        sync.Mutex
	closed    bool
	providers map[string]*provider
	resolved  map[string][]Tool // by alias
}

// NewManager returns a manager for the tool_configs of doc. Providers are
// looked up in doc.MCPProviders, then doc.HomeMCPProviders. getenv resolves
// api_key names (nil: os.LookupEnv); baseDir is the config's folder, against
// which stdio commands with a path separator resolve and in which stdio
// servers run. Nothing connects until Tools or Call.
func NewManager(doc *config.Document, getenv func(string) (string, bool), baseDir string) *Manager {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{doc: doc, getenv: getenv, baseDir: baseDir, ctx: ctx, cancel: cancel,
		providers: map[string]*provider{}, resolved: map[string][]Tool{}}
}

// Aliases returns the tool aliases of the config, in config order.
func (m *Manager) Aliases() []string {
	var out []string
	for _, tc := range m.doc.ToolConfigs {
		out = append(out, tc.ToolAlias)
	}
	return out
}

// Tools returns the tools of a tool alias: every tool of its providers,
// filtered by allow_tools, in allow_tools order when it is set, else by
// provider (in the alias's order) and name. It connects to the providers on
// first use; each provider's tool list is fetched once per run.
//
// Errors: a provider that cannot start or connect wraps
// columns.ErrUnreachable and names the provider (and a stdio command); the
// same offered tool name on two providers names the tool and both
// providers; an allowed tool that no provider has names it and the alias.
//
// The returned slice belongs to the caller; the Parameters maps are shared.
func (m *Manager) Tools(ctx context.Context, alias string) ([]Tool, error) {
	tools, err := m.tools(ctx, alias)
	return slices.Clone(tools), err
}

// tools is Tools without the copy: the result must not be modified.
func (m *Manager) tools(ctx context.Context, alias string) ([]Tool, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, errClosed
	}
	tools, ok := m.resolved[alias]
	m.mu.Unlock()
	if ok {
		return tools, nil
	}
	tools, err := m.resolve(ctx, alias)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.resolved[alias] = tools
	m.mu.Unlock()
	return tools, nil
}

// ToolSets resolves every alias of the config (for `synthgen tools`); a
// failing alias carries its error and the others are still listed.
func (m *Manager) ToolSets(ctx context.Context) []ToolSet {
	var out []ToolSet
	for _, alias := range m.Aliases() {
		tools, err := m.Tools(ctx, alias)
		out = append(out, ToolSet{Alias: alias, Tools: tools, Err: err})
	}
	return out
}

func (m *Manager) resolve(ctx context.Context, alias string) ([]Tool, error) {
	tc, err := m.toolConfig(alias)
	if err != nil {
		return nil, err
	}
	type offered struct {
		tool  Tool
		index int // provider index, for ordering
	}
	var all []offered
	for i, name := range tc.Providers {
		p, err := m.provider(name)
		if err != nil {
			return nil, fmt.Errorf("tool_alias %q: %w", alias, err)
		}
		list, err := p.list(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			all = append(all, offered{toTool(t, name), i})
		}
	}
	allowed := func(string) bool { return true }
	if tc.AllowTools != nil {
		allowed = func(name string) bool { return slices.Contains(tc.AllowTools, name) }
	}
	byName := map[string]Tool{}
	var out []Tool
	for _, o := range all {
		if !allowed(o.tool.Name) {
			continue
		}
		if prev, dup := byName[o.tool.Name]; dup {
			return nil, fmt.Errorf("tool_alias %q: tool %q is offered by both mcp providers %q and %q; "+
				"list only one of them in providers, or leave the tool out of allow_tools",
				alias, o.tool.Name, prev.Provider, o.tool.Provider)
		}
		byName[o.tool.Name] = o.tool
		out = append(out, o.tool)
	}
	if tc.AllowTools == nil {
		slices.SortStableFunc(out, func(a, b Tool) int {
			ia := slices.Index(tc.Providers, a.Provider)
			ib := slices.Index(tc.Providers, b.Provider)
			if ia != ib {
				return ia - ib
			}
			return strings.Compare(a.Name, b.Name)
		})
		return out, nil
	}
	ordered := make([]Tool, 0, len(tc.AllowTools))
	for _, name := range tc.AllowTools {
		t, ok := byName[name]
		if !ok {
			var names []string
			for _, o := range all {
				names = append(names, o.tool.Name)
			}
			return nil, fmt.Errorf("tool_alias %q: allowed tool %q is not offered by its mcp providers (%s)%s",
				alias, name, strings.Join(tc.Providers, ", "), config.DidYouMean(name, names))
		}
		if !slices.ContainsFunc(ordered, func(o Tool) bool { return o.Name == name }) {
			ordered = append(ordered, t)
		}
	}
	return ordered, nil
}

// Call runs the tool named tool of alias with arguments (a JSON object as
// text; empty means {}), bounded by ctx and by the alias's timeout_sec.
//
// On success it returns the result as blocks: the text parts joined with
// "\n" into one text block (audio and resources described as text), then one
// image_url block with a data: URL per image part. A result without any part
// is one empty text block.
//
// On failure the error's message is the reason, for the caller's
// "Error: <tool> failed: <reason>": the result's text when the server marks
// it as an error, "timed out after 1m0s" (matching
// context.DeadlineExceeded), or why the server cannot be reached (matching
// columns.ErrUnreachable). When ctx itself is canceled, the error is its
// cause. Messages never hold an api_key or env value.
func (m *Manager) Call(ctx context.Context, alias, tool, arguments string) ([]tracing.Block, error) {
	tools, err := m.tools(ctx, alias)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(tools, func(t Tool) bool { return t.Name == tool })
	if i < 0 {
		return nil, fmt.Errorf("tool %q is not offered by tool_alias %q", tool, alias)
	}
	args, err := objectArguments(arguments)
	if err != nil {
		return nil, err
	}
	tc, _ := m.toolConfig(alias)
	timeout := DefaultTimeout
	if tc.TimeoutSec != nil && *tc.TimeoutSec > 0 {
		timeout = time.Duration(*tc.TimeoutSec * float64(time.Second))
	}
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p, err := m.provider(tools[i].Provider)
	if err != nil {
		return nil, err
	}
	res, err := p.call(callCtx, &sdk.CallToolParams{Name: tool, Arguments: args})
	switch {
	case err != nil && errors.Is(callCtx.Err(), context.DeadlineExceeded):
		return nil, &timeoutError{after: timeout}
	case ctx.Err() != nil && err != nil:
		return nil, context.Cause(ctx)
	case err != nil:
		return nil, errors.New(p.redact(err.Error())) // the text reaches the dataset and the model
	case res.IsError:
		return nil, toolError(res)
	}
	return resultBlocks(res), nil
}

// objectArguments checks that arguments is a JSON object.
func objectArguments(arguments string) (json.RawMessage, error) {
	s := strings.TrimSpace(arguments)
	if s == "" {
		return json.RawMessage("{}"), nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &obj); err != nil || obj == nil {
		return nil, errors.New("the arguments are not a JSON object")
	}
	return json.RawMessage(s), nil
}

// Close closes every session and stops every stdio server (stdin closed,
// then SIGTERM, then SIGKILL after a grace period). It is idempotent; calls
// after Close fail.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	ps := make([]*provider, 0, len(m.providers))
	for _, p := range m.providers {
		ps = append(ps, p)
	}
	m.mu.Unlock()
	m.cancel()
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Go(func() { errs[i] = p.close() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (m *Manager) toolConfig(alias string) (config.ToolConfig, error) {
	var names []string
	for _, tc := range m.doc.ToolConfigs {
		if tc.ToolAlias == alias {
			return tc, nil
		}
		names = append(names, tc.ToolAlias)
	}
	return config.ToolConfig{}, fmt.Errorf("unknown tool_alias %q%s", alias, config.DidYouMean(alias, names))
}

// provider returns the named provider, creating it (unconnected) on first use.
func (m *Manager) provider(name string) (*provider, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, errClosed
	}
	if p, ok := m.providers[name]; ok {
		return p, nil
	}
	var names []string
	for _, list := range [][]config.MCPProvider{m.doc.MCPProviders, m.doc.HomeMCPProviders} {
		for _, cfg := range list {
			if cfg.Name == name {
				p := newProvider(cfg, m.baseDir, m.getenv, m.ctx)
				m.providers[name] = p
				return p, nil
			}
			names = append(names, cfg.Name)
		}
	}
	return nil, &providerError{msg: fmt.Sprintf("unknown mcp provider %q%s", name, config.DidYouMean(name, names)),
		errs: []error{columns.ErrUnreachable}}
}

// toTool converts an SDK tool; a missing schema becomes an empty object
// schema.
func toTool(t *sdk.Tool, provider string) Tool {
	params, ok := t.InputSchema.(map[string]any)
	if !ok && t.InputSchema != nil {
		if b, err := json.Marshal(t.InputSchema); err == nil {
			_ = json.Unmarshal(b, &params)
		}
	}
	if params == nil {
		params = map[string]any{"type": "object", "properties": map[string]any{}}
	}
	return Tool{Name: t.Name, Description: t.Description, Provider: provider, Parameters: params}
}

// timeoutError is a call that ran out of time.
type timeoutError struct{ after time.Duration }

func (e *timeoutError) Error() string {
	return "timed out after " + e.after.Round(10*time.Millisecond).String()
}

func (e *timeoutError) Unwrap() error { return context.DeadlineExceeded }
