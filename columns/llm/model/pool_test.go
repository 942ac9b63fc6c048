package model

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

func yamlNode(t *testing.T, s string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil {
		t.Fatal(err)
	}
	return n.Content[0]
}

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestPoolProviderLookup(t *testing.T) {
	doc := &config.Document{
		ModelProviders: []config.ModelProvider{{Name: "openai", Endpoint: "http://config.example/v1"}},
		HomeModelProviders: []config.ModelProvider{
			{Name: "openai", Endpoint: "http://home-openai.example/v1"},
			{Name: "vllm", Endpoint: "http://home.example/v1"},
		},
		ModelConfigs: []config.ModelConfig{
			{Alias: "a", Model: "gpt", Provider: "openai"},
			{Alias: "b", Model: "qwen", Provider: "vllm"},
			{Alias: "c", Model: "x", Provider: "openrouter"},
			{Alias: "d", Model: "y"},
		},
	}
	tests := []struct{ alias, provider, url string }{
		{"a", "openai", "http://config.example/v1"},         // the config wins over home and built-in
		{"b", "vllm", "http://home.example/v1"},             // then $SYNTHGEN_HOME
		{"c", "openrouter", "https://openrouter.ai/api/v1"}, // then built-ins
		{"d", "nvidia", "https://integrate.api.nvidia.com/v1"},
		{"openai-text", "openai", "http://config.example/v1"}, // built-in alias, configured provider
	}
	p := NewPool(doc, env("OPENROUTER_API_KEY", "k", "NVIDIA_API_KEY", "k"), nil)
	for _, tt := range tests {
		_, info, err := p.Client(tt.alias)
		if err != nil {
			t.Fatalf("%s: %v", tt.alias, err)
		}
		if info.Provider != tt.provider || info.BaseURL != tt.url {
			t.Errorf("%s: provider %s at %s, want %s at %s", tt.alias, info.Provider, info.BaseURL, tt.provider, tt.url)
		}
	}
	if _, _, err := p.Client("nope"); err == nil || err.Error() != `unknown model alias "nope"` {
		t.Errorf("unknown alias: %v", err)
	}
}

func TestPoolAPIKey(t *testing.T) {
	tests := []struct {
		name, apiKey string
		env          func(string) (string, bool)
		wantAuth     string // the Authorization header sent
		wantErr      string
	}{
		{name: "environment variable", apiKey: "MY_KEY", env: env("MY_KEY", "sk-from-env"), wantAuth: "Bearer sk-from-env"},
		{name: "literal", apiKey: "sk-literal-123", env: env(), wantAuth: "Bearer sk-literal-123"},
		{name: "lower-case name is a literal", apiKey: "my_key", env: env("my_key", "x"), wantAuth: "Bearer my_key"},
		{name: "none", apiKey: "", env: env(), wantAuth: ""},
		{name: "unset variable", apiKey: "OPENAI_API_KEY", env: env(), wantErr: "provider p: environment variable OPENAI_API_KEY is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScripted(t, ok200)
			doc := &config.Document{
				ModelProviders: []config.ModelProvider{{Name: "p", Endpoint: s.URL + "/v1", APIKey: tt.apiKey}},
				ModelConfigs:   []config.ModelConfig{{Alias: "a", Model: "m", Provider: "p"}},
			}
			c, info, err := NewPool(doc, tt.env, nil).Client("a")
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, columns.ErrUnreachable) {
					t.Errorf("error %v, want %q wrapping ErrUnreachable", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Complete(context.Background(), &Request{Model: info.Model, Messages: userHi}); err != nil {
				t.Fatal(err)
			}
			if got := s.requests[0].Header.Get("Authorization"); got != tt.wantAuth {
				t.Errorf("Authorization %q, want %q", got, tt.wantAuth)
			}
		})
	}
}

func TestPoolExtraBodyAndHeaders(t *testing.T) {
	s := newScripted(t, ok200)
	doc := &config.Document{
		ModelProviders: []config.ModelProvider{{Name: "p", Endpoint: s.URL + "/v1",
			ExtraBody:    yamlNode(t, `{shared: provider, b: 2}`),
			ExtraHeaders: map[string]string{"X-Team": "data"}}},
		ModelConfigs: []config.ModelConfig{{Alias: "a", Model: "m", Provider: "p", InferenceParameters: &config.InferenceParameters{
			ExtraBody: yamlNode(t, `{shared: model, a: 1, mock: {seed: 3, fail_rate: {429: 0.5, "503": 0.1}, latency: {distribution: uniform, low: 1}}}`),
		}}},
	}
	c, info, err := NewPool(doc, env(), nil).Client("a")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"shared":"provider","a":1,"b":2,"mock":{"seed":3,"fail_rate":{"429":0.5,"503":0.1},"latency":{"distribution":"uniform","low":1}}}`
	jsonEqual(t, roundTrip(t, info.ExtraBody), want)
	if _, err := c.Complete(context.Background(), &Request{Model: info.Model, Messages: userHi, ExtraBody: info.ExtraBody}); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, s.body(t, 0), `{"model":"m","stream":false,"messages":[{"role":"user","content":"hi"}],
		"shared":"provider","a":1,"b":2,"mock":{"seed":3,"fail_rate":{"429":0.5,"503":0.1},"latency":{"distribution":"uniform","low":1}}}`)
	if h := s.requests[0].Header.Get("X-Team"); h != "data" {
		t.Errorf("extra header %q", h)
	}

	// A built-in alias's extra_body (a map) is used as is.
	_, info, err = NewPool(nil, env("NVIDIA_API_KEY", "k"), nil).Client("nvidia-reasoning")
	if err != nil || !reflect.DeepEqual(info.ExtraBody, map[string]any{"reasoning_effort": "medium"}) {
		t.Errorf("built-in extra_body %v, %v", info.ExtraBody, err)
	}
}

// roundTrip returns v as JSON decodes it.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPoolMockProvider(t *testing.T) {
	calls := 0
	p := NewPool(nil, env(), func() (string, error) { calls++; return "http://127.0.0.1:1234/v1", nil })
	for _, alias := range []string{"mock-text", "mock-reasoning", "mock-text"} {
		_, info, err := p.Client(alias)
		if err != nil || info.BaseURL != "http://127.0.0.1:1234/v1" || info.Provider != "mock" {
			t.Fatalf("%s: %+v %v", alias, info, err)
		}
	}
	if calls != 2 { // once per alias; the caller starts the server once
		t.Errorf("mockURL called %d times", calls)
	}
	failing := NewPool(nil, env(), func() (string, error) { return "", errors.New("no port") })
	if _, _, err := failing.Client("mock-text"); err == nil || err.Error() != "starting the mock provider: no port" {
		t.Errorf("got %v", err)
	}
}

func TestPoolSharedSlotsAndDefaults(t *testing.T) {
	doc := &config.Document{
		ModelProviders: []config.ModelProvider{{Name: "p", Endpoint: "http://x.example/v1"}},
		ModelConfigs: []config.ModelConfig{
			{Alias: "hot", Model: "m", Provider: "p", ParseThinkTags: ptr(false), StructuredOutputs: "native",
				InferenceParameters: &config.InferenceParameters{MaxParallelRequests: ptr(8), Timeout: ptr(2.5), MaxTokens: ptr(100)}},
			{Alias: "cold", Model: "m", Provider: "p", InferenceParameters: &config.InferenceParameters{MaxParallelRequests: ptr(3)}},
			{Alias: "other", Model: "m2", Provider: "p", SkipHealthCheck: true},
		},
	}
	p := NewPool(doc, env(), nil)
	_, hot, _ := p.Client("hot")
	_, cold, _ := p.Client("cold")
	c1, other, _ := p.Client("other")
	c2, _, _ := p.Client("other")
	if hot.Slots != cold.Slots || hot.Slots.Limit() != 3 {
		t.Errorf("one endpoint, one Slots with the smallest limit: %p %p limit %d", hot.Slots, cold.Slots, hot.Slots.Limit())
	}
	if other.Slots == hot.Slots || other.Slots.Limit() != DefaultMaxParallelRequests {
		t.Errorf("another model has its own Slots (limit %d)", other.Slots.Limit())
	}
	if c1 != c2 {
		t.Error("a second Client call built a new client")
	}
	if hot.MaxParallelRequests != 8 || hot.Timeout != 2500*time.Millisecond || *hot.MaxTokens != 100 ||
		hot.ParseThinkTags || hot.StructuredOutputs != "native" || hot.SkipHealthCheck {
		t.Errorf("hot: %+v", hot)
	}
	if other.Timeout != DefaultTimeout || !other.ParseThinkTags || other.StructuredOutputs != "prompt" ||
		other.MaxTokens != nil || other.ExtraBody != nil || !other.SkipHealthCheck {
		t.Errorf("defaults: %+v", other)
	}
}

// Built-in aliases the config does not use never lower an endpoint's
// limit: an alias on the built-in mock-reasoning model keeps its own 16
// although the built-in alias of that model has the default 4.
func TestPoolUnusedBuiltinsDoNotLowerTheLimit(t *testing.T) {
	doc := &config.Document{ModelConfigs: []config.ModelConfig{
		{Alias: "thinker", Model: "mock-reasoning", Provider: "mock", InferenceParameters: &config.InferenceParameters{MaxParallelRequests: ptr(16)}},
	}}
	p := NewPool(doc, env(), func() (string, error) { return "http://127.0.0.1:1/v1", nil })
	_, info, err := p.Client("thinker")
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Slots.Limit(); got != 16 {
		t.Errorf("limit %d, want the alias's 16", got)
	}
	// The built-in alias itself, used directly, shares the endpoint.
	_, builtin, err := p.Client("mock-reasoning")
	if err != nil {
		t.Fatal(err)
	}
	if builtin.Slots != info.Slots {
		t.Error("the built-in alias of the same model must share the endpoint's Slots")
	}
}

func TestParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	info := &ModelInfo{
		Temperature: &config.Sampled{Dist: &config.Distribution{DistributionType: "uniform",
			Params: config.DistParams{Low: ptr(0.2), High: ptr(0.4)}}},
		TopP: &config.Sampled{Dist: &config.Distribution{DistributionType: "manual",
			Params: config.DistParams{Values: []float64{0.1, 0.5, 0.9}, Weights: []float64{0, 1, 3}}}},
	}
	temps, tops := map[float64]bool{}, map[float64]int{}
	for range 2000 {
		temp, top := info.Params(rng)
		if *temp < 0.2 || *temp >= 0.4 {
			t.Fatalf("temperature %v outside [0.2, 0.4)", *temp)
		}
		temps[*temp] = true
		tops[*top]++
	}
	if len(temps) < 1900 {
		t.Errorf("only %d distinct temperatures", len(temps))
	}
	if tops[0.1] != 0 || tops[0.5]+tops[0.9] != 2000 || tops[0.9] < 1350 || tops[0.9] > 1650 {
		t.Errorf("manual draws %v, want 0.5:0.9 ≈ 1:3 and never 0.1", tops)
	}

	fixed := &ModelInfo{Temperature: &config.Sampled{Fixed: ptr(0.0)}}
	temp, top := fixed.Params(nil)
	if temp == nil || *temp != 0 || top != nil {
		t.Errorf("fixed 0: %v %v", temp, top)
	}
	unweighted := &ModelInfo{TopP: &config.Sampled{Dist: &config.Distribution{DistributionType: "manual",
		Params: config.DistParams{Values: []float64{0.7, 0.8}}}}}
	seen := map[float64]bool{}
	for range 100 {
		_, top := unweighted.Params(rng)
		seen[*top] = true
	}
	if !seen[0.7] || !seen[0.8] || len(seen) != 2 {
		t.Errorf("unweighted draws %v", seen)
	}
}

// TestPoolFromConfigFile reads the settings through the real config loader.
func TestPoolFromConfigFile(t *testing.T) {
	s := newScripted(t, ok200)
	src := strings.ReplaceAll(`
columns:
  - {name: q, column_type: llm-text, model_alias: writer, prompt: "hi"}
model_providers:
  - {name: local, endpoint: "URL/v1", api_key: LOCAL_KEY, extra_body: {top_k: 20}}
model_configs:
  - alias: writer
    model: qwen
    provider: local
    inference_parameters:
      temperature: 0
      top_p: {distribution_type: uniform, params: {low: 0.5, high: 0.6}}
      max_tokens: 64
      extra_body: {top_k: 10, mock: {fail_rate: {429: 0.1}}}
`, "URL", s.URL)
	doc, diags := config.Parse("t.yaml", []byte(src), config.Options{Getenv: env("LOCAL_KEY", "sk-local")})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c, info, err := NewPool(doc, env("LOCAL_KEY", "sk-local"), nil).Client("writer")
	if err != nil {
		t.Fatal(err)
	}
	req := &Request{Model: info.Model, Messages: userHi, MaxTokens: info.MaxTokens, ExtraBody: info.ExtraBody}
	req.Temperature, req.TopP = info.Params(rand.New(rand.NewPCG(0, 0)))
	if _, err := c.Complete(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	body := s.body(t, 0).(map[string]any)
	if tp := body["top_p"].(float64); tp < 0.5 || tp >= 0.6 {
		t.Errorf("top_p %v", tp)
	}
	delete(body, "top_p")
	jsonEqual(t, body, `{"model":"qwen","stream":false,"messages":[{"role":"user","content":"hi"}],
		"temperature":0,"max_tokens":64,"top_k":20,"mock":{"fail_rate":{"429":0.1}}}`)
	if got := s.requests[0].Header.Get("Authorization"); got != "Bearer sk-local" {
		t.Errorf("Authorization %q", got)
	}
}
