package llm

import (
	"slices"
	"testing"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

// LiveOf shows the endpoints in use with their aliases, in-flight requests
// and limits, and the token totals of every alias.
func TestLiveOf(t *testing.T) {
	doc, diags := config.Parse("live.yaml", []byte(`model_configs:
  - {alias: a, model: mock-x, provider: mock, inference_parameters: {max_parallel_requests: 3}}
  - {alias: b, model: mock-x, provider: mock, inference_parameters: {max_parallel_requests: 5}}
  - {alias: c, model: mock-y, provider: mock}
columns:
  - {name: q, column_type: llm-text, model_alias: a, prompt: hi}
`), config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	bc := &columns.BuildContext{Doc: doc, Seed: 1}
	t.Cleanup(func() { bc.Close() })
	live := LiveOf(bc)
	if got := live(); len(got.Endpoints) != 0 || got.InputTokens != 0 {
		t.Fatalf("before any client: %+v", got)
	}
	sh := sharedOf(bc)
	for _, alias := range []string{"b", "a", "c"} {
		if _, _, err := sh.pool.Client(alias); err != nil {
			t.Fatal(err)
		}
	}
	sh.usage.For("a").add(func(u *Usage) { u.promptTokens, u.completionTokens, u.reasoningTokens = 10, 20, 5 })
	sh.usage.For("c").add(func(u *Usage) { u.promptTokens, u.completionTokens = 1, 2 })

	got := live()
	if len(got.Endpoints) != 2 {
		t.Fatalf("endpoints: %+v", got.Endpoints)
	}
	x, y := got.Endpoints[0], got.Endpoints[1]
	if !slices.Equal(x.Aliases, []string{"a", "b"}) || x.Limit != 3 || x.InFlight != 0 {
		t.Errorf("shared endpoint: %+v (want aliases a, b and the smaller limit 3)", x)
	}
	if !slices.Equal(y.Aliases, []string{"c"}) || y.Limit != 4 {
		t.Errorf("default endpoint: %+v (want the default limit 4)", y)
	}
	if got.InputTokens != 11 || got.OutputTokens != 22 || got.ReasoningTokens != 5 {
		t.Errorf("tokens: in %d out %d reasoning %d", got.InputTokens, got.OutputTokens, got.ReasoningTokens)
	}
}
