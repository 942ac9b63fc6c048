package model

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

// Defaults of model settings (spec/config.md, "model_configs").
const (
	DefaultProvider            = "nvidia" // a model without provider, as in Data Designer
	DefaultMaxParallelRequests = 4
	mockProvider               = "mock"
)

// ModelInfo is a model alias resolved against its provider. It is shared by
// every user of the alias and must not be mutated.
type ModelInfo struct {
	Alias    string
	Provider string // the resolved provider's name
	BaseURL  string // the provider's endpoint (no key)
	Model    string // the model id
	// Temperature and TopP are fixed values or distributions, nil when not
	// set (not sent); sample them per request with Params.
	Temperature, TopP *config.Sampled
	MaxTokens         *int
	Timeout           time.Duration // per HTTP request
	// MaxParallelRequests is the alias's own setting; Slots, the admission
	// shared by the aliases of one endpoint (provider + model id), has the
	// smallest as its max.
	MaxParallelRequests int
	Slots               *Slots
	StructuredOutputs   string // "prompt" or "native"
	ParseThinkTags      bool
	SkipHealthCheck     bool
	// ExtraBody is the model's extra_body merged with the provider's
	// (provider keys win); sub-keys such as `mock` are passed as written.
	ExtraBody map[string]any
}

// Params samples the temperature and top_p of one request: a fixed value,
// or a draw from a uniform or manual distribution; nil when not set. rng nil
// uses math/rand/v2's global source. Safe for concurrent use with distinct
// rngs.
func (m *ModelInfo) Params(rng *rand.Rand) (temperature, topP *float64) {
	return sample(m.Temperature, rng), sample(m.TopP, rng)
}

func sample(s *config.Sampled, rng *rand.Rand) *float64 {
	if s == nil {
		return nil
	}
	if s.Fixed != nil {
		v := *s.Fixed
		return &v
	}
	if s.Dist == nil {
		return nil
	}
	float := rand.Float64
	if rng != nil {
		float = rng.Float64
	}
	p := s.Dist.Params
	var v float64
	switch s.Dist.DistributionType {
	case "uniform":
		if p.Low == nil || p.High == nil {
			return nil
		}
		v = *p.Low + float()*(*p.High-*p.Low)
	case "manual":
		if len(p.Values) == 0 {
			return nil
		}
		v = p.Values[pick(p.Weights, len(p.Values), float())]
	default:
		return nil
	}
	return &v
}

// pick returns the index chosen by u in [0, 1) among n values with the
// given weights (negative ones count as 0); equal weights when they do not
// fit or sum to 0.
func pick(weights []float64, n int, u float64) int {
	total := 0.0
	if len(weights) == n {
		for _, w := range weights {
			total += max(w, 0)
		}
	}
	if total <= 0 {
		return min(int(u*float64(n)), n-1)
	}
	target, last := u*total, 0
	for i, w := range weights {
		if w <= 0 {
			continue
		}
		last = i
		if target < w {
			return i
		}
		target -= w
	}
	return last
}

// Pool builds the clients of a config's model aliases: one adapter per
// alias, one Slots per endpoint (provider + model id). Its methods are safe
// for concurrent use.
type Pool struct {
	// Retry is the policy of the clients Client returns, and Admission the
	// adaptive concurrency of every endpoint's Slots; change them before
	// the first call.
	Retry     RetryPolicy
	Admission AdmissionPolicy

	doc     *config.Document
	getenv  func(string) (string, bool)
	mockURL func() (string, error)

	mu      sync.Mutex
	clients map[string]pooled // by alias
	slots   map[string]*Slots // by endpoint
}

type pooled struct {
	client Client
	info   *ModelInfo
}

// NewPool returns the Pool of doc's aliases (built-ins included; doc nil has
// only those). getenv resolves api_key names (nil: os.LookupEnv); mockURL
// returns the base URL of the in-process mock server, starting it on first
// use, and is called only for provider "mock".
func NewPool(doc *config.Document, getenv func(string) (string, bool), mockURL func() (string, error)) *Pool {
	if doc == nil {
		doc = &config.Document{}
	}
	if getenv == nil {
		getenv = os.LookupEnv
	}
	return &Pool{Retry: DefaultRetry, Admission: DefaultAdmission, doc: doc, getenv: getenv, mockURL: mockURL,
		clients: map[string]pooled{}, slots: map[string]*Slots{}}
}

// Client returns the client of a model alias — WithRetries(WithSlots(
// NewOpenAI(endpoint), endpointSlots), p.Retry), the endpoint's Slots made
// with p.Admission — and its resolved settings,
// the same values on every call. An unset api_key variable is an error
// wrapping columns.ErrUnreachable.
func (p *Pool) Client(alias string) (Client, *ModelInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[alias]; ok {
		return c.client, c.info, nil
	}
	models := p.doc.Models()
	mc, ok := models[alias]
	if !ok {
		return nil, nil, fmt.Errorf("unknown model alias %q", alias)
	}
	prov, err := p.provider(mc.Provider)
	if err != nil {
		return nil, nil, fmt.Errorf("model %q: %w", alias, err)
	}
	key, err := apiKey(prov, p.getenv)
	if err != nil {
		return nil, nil, err
	}
	baseURL := prov.Endpoint
	if prov.Name == mockProvider && baseURL == "" {
		if p.mockURL == nil {
			return nil, nil, fmt.Errorf("model %q: the mock provider is not available", alias)
		}
		if baseURL, err = p.mockURL(); err != nil {
			return nil, nil, fmt.Errorf("starting the mock provider: %w", err)
		}
	}
	info, err := resolve(mc, prov)
	if err != nil {
		return nil, nil, fmt.Errorf("model %q: %w", alias, err)
	}
	info.BaseURL = baseURL
	info.Slots = p.slotsFor(info.Provider, info.Model, mc)
	raw := NewOpenAI(Endpoint{Provider: prov.Name, BaseURL: baseURL, APIKey: key, Model: mc.Model,
		Headers: prov.ExtraHeaders, Timeout: info.Timeout})
	c := pooled{client: WithRetries(WithSlots(raw, info.Slots), p.Retry), info: info}
	p.clients[alias] = c
	return c.client, c.info, nil
}

// provider looks a provider up: the config, then $SYNTHGEN_HOME, then the
// built-ins. "" is DefaultProvider.
func (p *Pool) provider(name string) (config.ModelProvider, error) {
	name = cmp.Or(name, DefaultProvider)
	for _, list := range [][]config.ModelProvider{p.doc.ModelProviders, p.doc.HomeModelProviders, config.BuiltinProviders()} {
		for _, prov := range list {
			if prov.Name == name {
				return prov, nil
			}
		}
	}
	return config.ModelProvider{}, fmt.Errorf("unknown provider %q", name)
}

// slotsFor returns the Slots of an endpoint, creating it with the smallest
// max_parallel_requests of the config's aliases that use the endpoint and
// of mc, the alias asking (which may be a built-in; other built-in aliases,
// used or not, do not lower the limit). p.mu is held.
func (p *Pool) slotsFor(provider, model string, mc config.ModelConfig) *Slots {
	key := provider + "\x00" + model
	if s, ok := p.slots[key]; ok {
		return s
	}
	n := maxParallel(mc)
	for _, other := range p.doc.ModelConfigs {
		if cmp.Or(other.Provider, DefaultProvider) != provider || other.Model != model {
			continue
		}
		n = min(n, maxParallel(other))
	}
	s := NewSlots(n, p.Admission)
	p.slots[key] = s
	return s
}

func maxParallel(mc config.ModelConfig) int {
	if ip := mc.InferenceParameters; ip != nil && ip.MaxParallelRequests != nil && *ip.MaxParallelRequests > 0 {
		return *ip.MaxParallelRequests
	}
	return DefaultMaxParallelRequests
}

// resolve fills a ModelInfo from a model config and its provider (all but
// BaseURL and Slots).
func resolve(mc config.ModelConfig, prov config.ModelProvider) (*ModelInfo, error) {
	info := &ModelInfo{
		Alias: mc.Alias, Provider: prov.Name, Model: mc.Model,
		Timeout: DefaultTimeout, MaxParallelRequests: maxParallel(mc),
		StructuredOutputs: cmp.Or(mc.StructuredOutputs, "prompt"),
		ParseThinkTags:    mc.ParseThinkTags == nil || *mc.ParseThinkTags,
		SkipHealthCheck:   mc.SkipHealthCheck,
	}
	var modelBody map[string]any
	if ip := mc.InferenceParameters; ip != nil {
		info.Temperature, info.TopP, info.MaxTokens = ip.Temperature, ip.TopP, ip.MaxTokens
		if ip.Timeout != nil && *ip.Timeout > 0 {
			info.Timeout = time.Duration(*ip.Timeout * float64(time.Second))
		}
		modelBody = ip.ExtraBodyMap
		if ip.ExtraBody != nil {
			m, err := decodeExtraBody(ip.ExtraBody)
			if err != nil {
				return nil, err
			}
			modelBody = m
		}
	}
	provBody, err := decodeExtraBody(prov.ExtraBody)
	if err != nil {
		return nil, fmt.Errorf("provider %q: %w", prov.Name, err)
	}
	if len(modelBody)+len(provBody) > 0 {
		info.ExtraBody = map[string]any{}
		maps.Copy(info.ExtraBody, modelBody)
		maps.Copy(info.ExtraBody, provBody) // provider keys win
	}
	return info, nil
}

// decodeExtraBody decodes an extra_body mapping (nil or null: nil) into
// JSON-ready values: mapping keys become strings (`{429: 0.05}` → "429").
func decodeExtraBody(n *yaml.Node) (map[string]any, error) {
	if n == nil {
		return nil, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, fmt.Errorf("extra_body: %w", err)
	}
	if v == nil {
		return nil, nil
	}
	m, ok := jsonReady(v).(map[string]any)
	if !ok {
		return nil, errors.New("extra_body must be a mapping")
	}
	return m, nil
}

func jsonReady(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = jsonReady(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[fmt.Sprint(k)] = jsonReady(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = jsonReady(e)
		}
		return out
	}
	return v
}

var envName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// apiKey resolves a provider's api_key: the value of the environment
// variable it names, or a literal; "" for none.
func apiKey(prov config.ModelProvider, getenv func(string) (string, bool)) (string, error) {
	k := strings.TrimSpace(prov.APIKey)
	if !envName.MatchString(k) {
		return k, nil
	}
	if v, ok := getenv(k); ok {
		return v, nil
	}
	return "", &unreachableError{msg: fmt.Sprintf("provider %s: environment variable %s is not set", prov.Name, k)}
}

// unreachableError is an error with its own message that matches
// columns.ErrUnreachable (and err, when set).
type unreachableError struct {
	msg string
	err error
}

func (e *unreachableError) Error() string { return e.msg }

func (e *unreachableError) Unwrap() []error {
	if e.err == nil {
		return []error{columns.ErrUnreachable}
	}
	return []error{columns.ErrUnreachable, e.err}
}

// EndpointStats is a live view of one endpoint's admission (for progress).
type EndpointStats struct {
	Provider, Model string
	// Aliases are the model aliases that use the endpoint, sorted.
	Aliases []string
	// InFlight requests now, the current (adaptive) Limit, and MaxLimit,
	// the smallest max_parallel_requests of the aliases. Waiting requests
	// wait for a slot (or for the end of a pause).
	InFlight, Limit, MaxLimit, Waiting int
	// Paused: the endpoint is cooling down after a 429; no request is sent
	// to it until the pause ends.
	Paused bool
	// Stalled: it answered nothing but 429 for rate_limit_stall_seconds and
	// gets no more requests.
	Stalled bool
	// RateLimited counts the 429s it answered so far.
	RateLimited int64
}

// Stats returns the endpoints in use so far, sorted by provider and model.
func (p *Pool) Stats() []EndpointStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	byKey := map[string]*EndpointStats{}
	var keys []string
	for alias, c := range p.clients {
		key := c.info.Provider + "\x00" + c.info.Model
		st, ok := byKey[key]
		if !ok {
			ss := c.info.Slots.stats()
			st = &EndpointStats{Provider: c.info.Provider, Model: c.info.Model,
				InFlight: ss.inFlight, Limit: ss.limit, MaxLimit: ss.max, Waiting: ss.waiting,
				Paused: ss.paused, Stalled: ss.stalled, RateLimited: ss.rateLimited}
			byKey[key] = st
			keys = append(keys, key)
		}
		st.Aliases = append(st.Aliases, alias)
	}
	sort.Strings(keys)
	out := make([]EndpointStats, len(keys))
	for i, k := range keys {
		out[i] = *byKey[k]
		sort.Strings(out[i].Aliases)
	}
	return out
}
