package llm

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/llm/mcp"
	"github.com/synthgen/synthgen/columns/llm/mock"
	"github.com/synthgen/synthgen/columns/llm/model"
	"github.com/synthgen/synthgen/tracing"
)

// shared is what the four LLM kinds share in one run: the model clients
// (one per alias, one request-slot pool per endpoint), the in-process mock
// server, usage and health checks.
type shared struct {
	pool   *model.Pool
	usage  *UsageSet
	health sync.Map // alias → *healthOnce
	tools  *mcp.Manager
}

const sharedKey = "llm.shared"

// sharedOf returns the run's shared LLM state, creating it on first use.
func sharedOf(bc *columns.BuildContext) *shared {
	return bc.Shared(sharedKey, func() any {
		s := &shared{usage: &UsageSet{}}
		var (
			once    sync.Once
			mockURL string
			mockErr error
		)
		startMock := func() (string, error) {
			once.Do(func() {
				url, closer, err := mock.Start(context.Background(), "127.0.0.1:0", mock.Options{Seed: int64(bc.Seed)})
				if err != nil {
					mockErr = fmt.Errorf("starting the built-in mock model: %w", err)
					return
				}
				bc.AddCloser(closer)
				mockURL = url
			})
			return mockURL, mockErr
		}
		getenv := bc.Getenv
		if getenv == nil {
			getenv = func(string) (string, bool) { return "", false }
		}
		s.pool = model.NewPool(bc.Doc, getenv, startMock)
		if bc.Run != nil {
			s.pool.Admission = model.AdmissionPolicyOf(bc.Run.RequestAdmission)
		}
		s.tools = mcp.NewManager(bc.Doc, getenv, bc.BaseDir)
		bc.AddCloser(s.tools)
		return s
	}).(*shared)
}

// UsageOf returns the model usage of a run (for metadata.json).
func UsageOf(bc *columns.BuildContext) *UsageSet { return sharedOf(bc).usage }

// healthTimeout bounds a model's health check, retries included.
const healthTimeout = 60 * time.Second

// healthOnce runs one alias's health check once per run.
type healthOnce struct {
	once sync.Once
	err  error
}

func (s *shared) healthFor(alias string) *healthOnce {
	h, _ := s.health.LoadOrStore(alias, &healthOnce{})
	return h.(*healthOnce)
}

// Prepare checks the column's model once per run (unless the model config
// says skip_health_check): a tiny request that must succeed.
func (g *generator) Prepare(ctx context.Context) error {
	if g.prepErr != nil {
		return fmt.Errorf("column %q: %w", g.name, g.prepErr)
	}
	if err := g.tools.resolve(ctx); err != nil {
		return fmt.Errorf("column %q: tools %q: %w", g.name, g.tools.alias, err)
	}
	if g.skipHealth {
		return nil
	}
	g.health.once.Do(func() {
		// Bounded: an endpoint that only answers 429 must not hold the run
		// before it starts.
		hctx, cancel := context.WithTimeout(ctx, healthTimeout)
		defer cancel()
		g.health.err = model.HealthCheck(hctx, g.client, g.info)
		if g.health.err != nil && hctx.Err() != nil && ctx.Err() == nil {
			g.health.err = fmt.Errorf("%w: model %q gave no successful reply within %s (rate limited or not answering): %v", columns.ErrUnreachable, g.alias, healthTimeout, g.health.err)
		}
	})
	if g.health.err != nil {
		return fmt.Errorf("column %q: %w", g.name, g.health.err)
	}
	return nil
}

// mcpToolbox is a tool alias served by the run's MCP providers.
type mcpToolbox struct {
	m     *mcp.Manager
	alias string
}

func (b mcpToolbox) Tools(ctx context.Context) ([]model.Tool, error) {
	ts, err := b.m.Tools(ctx, b.alias)
	if err != nil {
		return nil, err
	}
	out := make([]model.Tool, len(ts))
	for i, t := range ts {
		out[i] = model.Tool{Name: t.Name, Description: t.Description, Parameters: t.Parameters}
	}
	return out, nil
}

func (b mcpToolbox) Call(ctx context.Context, name, arguments string) ([]tracing.Block, error) {
	return b.m.Call(ctx, b.alias, name, arguments)
}
