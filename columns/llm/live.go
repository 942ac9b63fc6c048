package llm

import (
	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/llm/model"
)

// Live is a snapshot of a run's models for a progress display.
type Live struct {
	// Endpoints are the model endpoints used so far, sorted by provider and
	// model id: their aliases, requests in flight and current limit. A
	// display shows aliases only, never an endpoint's URL.
	Endpoints []model.EndpointStats
	// InputTokens, OutputTokens and ReasoningTokens are the totals of every
	// alias so far.
	InputTokens, OutputTokens, ReasoningTokens int64
}

// LiveOf returns a function that takes a Live snapshot of bc's run. The
// function is safe to call concurrently with generation, from any
// goroutine; each call allocates a fresh snapshot the caller owns.
func LiveOf(bc *columns.BuildContext) func() Live {
	sh := sharedOf(bc)
	return func() Live {
		in, out, reasoning := sh.usage.Tokens()
		return Live{Endpoints: sh.pool.Stats(), InputTokens: in, OutputTokens: out, ReasoningTokens: reasoning}
	}
}
