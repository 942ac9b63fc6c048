package mock

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/synthgen/synthgen/config"
)

// Option keys of the `mock` object (a model's inference_parameters.extra_body.mock,
// sent by the client as the top-level body key "mock").
const (
	KeySeed              = "seed"
	KeyToolTurns         = "tool_turns"
	KeyParallelToolCalls = "parallel_tool_calls"
	KeyReasoning         = "reasoning"
	KeyReasoningField    = "reasoning_field"
	KeyLatency           = "latency"
	KeyFailRate          = "fail_rate"
	KeyRetryAfter        = "retry_after"
	KeyCapacity          = "capacity"
	KeyQueueing          = "queueing"
	KeyTimeoutRate       = "timeout_rate"
	KeyMalformedRate     = "malformed_rate"
	KeyTruncateRate      = "truncate_rate"
)

var optionKeys = []string{
	KeySeed, KeyToolTurns, KeyParallelToolCalls, KeyReasoning, KeyReasoningField, KeyLatency, KeyFailRate,
	KeyRetryAfter, KeyCapacity, KeyQueueing, KeyTimeoutRate, KeyMalformedRate, KeyTruncateRate,
}

// Reasoning fields (Options.ReasoningField).
const (
	FieldReasoningContent = "reasoning_content" // the default
	FieldReasoning        = "reasoning"
	FieldThink            = "think" // a leading <think>...</think> in the content
)

// Latency distributions (Latency.Distribution).
const (
	DistLognormal = "lognormal"
	DistUniform   = "uniform"
	DistBeta      = "beta"
)

// Options is the mock's behaviour. The server's defaults come from NewServer;
// each request may override any of them with its "mock" object.
//
// The zero value is usable: a zero ToolTurns or ParallelToolCalls means the
// default 1 and an empty ReasoningField means "reasoning_content". A negative
// ToolTurns means no tool turns at all (ParseOptions maps tool_turns: 0 to -1).
type Options struct {
	// Seed is mixed into the hash of each request: answers and fault
	// decisions are a function of (request, Seed).
	Seed int64
	// ToolTurns is the number of tool-calling replies before the final
	// answer, when the request offers tools.
	ToolTurns int
	// ParallelToolCalls is the number of tool calls in one tool-calling reply.
	ParallelToolCalls int
	// Reasoning forces reasoning on or off; nil means on for model ids that
	// contain "reason" or "think".
	Reasoning *bool
	// ReasoningField is where reasoning goes: "reasoning_content",
	// "reasoning" or "think".
	ReasoningField string
	// Latency is waited before each answer.
	Latency Latency
	// FailRate is the probability of answering with each HTTP status (e.g.
	// 429: 0.05, 503: 0.01). The rates must sum to at most 1.
	FailRate map[int]float64
	// RetryAfter, when > 0, is sent as Retry-After (seconds) with 429 and 503.
	RetryAfter float64
	// Capacity is the number of concurrent requests per model above which
	// the server answers 429 (or queues, with Queueing); 0 means unlimited.
	Capacity int
	// Queueing makes requests above Capacity wait for a free slot instead.
	Queueing bool
	// TimeoutRate is the probability of never answering (until the client
	// gives up).
	TimeoutRate float64
	// MalformedRate is the probability of a 200 whose body is not valid JSON.
	MalformedRate float64
	// TruncateRate is the probability of a reply cut short with
	// finish_reason "length".
	TruncateRate float64
}

// Latency is a fixed delay (Fixed) or a distribution:
//   - lognormal: arithmetic mean Mean, Scale the σ of the underlying normal
//     (default 0.5); Low and High clamp when set;
//   - uniform: between Low and High;
//   - beta: Low + X·(High−Low) with X ~ Beta(Alpha, Beta) (defaults 2, 2); without
//     High, the span is Scale seconds.
type Latency struct {
	Fixed        time.Duration
	Distribution string
	Mean         time.Duration
	Low, High    time.Duration
	Alpha, Beta  float64
	Scale        float64
}

// IsZero reports whether the latency is no delay at all.
func (l Latency) IsZero() bool { return l == Latency{} }

// ParseOptions parses a `mock` object (model extra_body.mock) into Options,
// starting from the defaults. Unknown keys and bad values are errors that
// name the key.
func ParseOptions(m map[string]any) (Options, error) {
	return Options{}.Override(m)
}

// Override returns o with the keys of m applied over it. m is not modified.
func (o Options) Override(m map[string]any) (Options, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if o.FailRate != nil {
		o.FailRate = maps.Clone(o.FailRate)
	}
	for _, k := range keys {
		if err := o.set(k, m[k]); err != nil {
			return Options{}, err
		}
	}
	return o, nil
}

func (o *Options) set(k string, v any) error {
	var err error
	switch k {
	case KeySeed:
		var n int64
		n, err = toInt(v)
		o.Seed = n
	case KeyToolTurns:
		var n int64
		if n, err = toInt(v); err == nil {
			if n < 0 {
				err = fmt.Errorf("must be ≥ 0, got %d", n)
			} else if n == 0 {
				o.ToolTurns = -1
			} else {
				o.ToolTurns = int(n)
			}
		}
	case KeyParallelToolCalls:
		var n int64
		if n, err = toInt(v); err == nil {
			if n < 1 {
				err = fmt.Errorf("must be ≥ 1, got %d", n)
			}
			o.ParallelToolCalls = int(n)
		}
	case KeyReasoning:
		b, ok := v.(bool)
		if !ok {
			err = fmt.Errorf("must be true or false, got %s", describe(v))
		}
		o.Reasoning = &b
	case KeyReasoningField:
		s, ok := v.(string)
		switch {
		case !ok:
			err = fmt.Errorf("must be a string, got %s", describe(v))
		case s != FieldReasoningContent && s != FieldReasoning && s != FieldThink:
			err = fmt.Errorf("must be %q, %q or %q, got %q", FieldReasoningContent, FieldReasoning, FieldThink, s)
		}
		o.ReasoningField = s
	case KeyLatency:
		o.Latency, err = parseLatency(v)
	case KeyFailRate:
		o.FailRate, err = parseFailRate(v)
	case KeyRetryAfter:
		o.RetryAfter, err = toFloat(v)
		if err == nil && (o.RetryAfter < 0 || math.IsInf(o.RetryAfter, 0)) {
			err = fmt.Errorf("must be a number of seconds ≥ 0")
		}
	case KeyCapacity:
		var n int64
		if n, err = toInt(v); err == nil && n < 0 {
			err = fmt.Errorf("must be ≥ 0 (0: unlimited), got %d", n)
		}
		o.Capacity = int(n)
	case KeyQueueing:
		b, ok := v.(bool)
		if !ok {
			err = fmt.Errorf("must be true or false, got %s", describe(v))
		}
		o.Queueing = b
	case KeyTimeoutRate:
		o.TimeoutRate, err = toRate(v)
	case KeyMalformedRate:
		o.MalformedRate, err = toRate(v)
	case KeyTruncateRate:
		o.TruncateRate, err = toRate(v)
	default:
		msg := fmt.Sprintf("unknown mock option %q", k)
		if s := suggest(k, optionKeys); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return fmt.Errorf("%s; known options: %s", msg, strings.Join(optionKeys, ", "))
	}
	if err != nil {
		return fmt.Errorf("mock option %s: %w", k, err)
	}
	return nil
}

// normalized fills the defaults of zero fields.
func (o Options) normalized() Options {
	if o.ToolTurns == 0 {
		o.ToolTurns = 1
	}
	if o.ParallelToolCalls < 1 {
		o.ParallelToolCalls = 1
	}
	if o.ReasoningField == "" {
		o.ReasoningField = FieldReasoningContent
	}
	return o
}

// Validate checks values set directly (ParseOptions already checks its own).
func (o Options) Validate() error {
	for _, r := range []struct {
		name string
		v    float64
	}{{KeyTimeoutRate, o.TimeoutRate}, {KeyMalformedRate, o.MalformedRate}, {KeyTruncateRate, o.TruncateRate}} {
		if !(r.v >= 0 && r.v <= 1) {
			return fmt.Errorf("mock option %s: must be between 0 and 1, got %v", r.name, r.v)
		}
	}
	if err := checkFailRate(o.FailRate); err != nil {
		return fmt.Errorf("mock option %s: %w", KeyFailRate, err)
	}
	switch o.ReasoningField {
	case "", FieldReasoningContent, FieldReasoning, FieldThink:
	default:
		return fmt.Errorf("mock option %s: must be %q, %q or %q, got %q", KeyReasoningField,
			FieldReasoningContent, FieldReasoning, FieldThink, o.ReasoningField)
	}
	if o.Capacity < 0 || o.RetryAfter < 0 {
		return fmt.Errorf("mock options %s and %s must be ≥ 0", KeyCapacity, KeyRetryAfter)
	}
	if err := o.Latency.validate(); err != nil {
		return fmt.Errorf("mock option %s: %w", KeyLatency, err)
	}
	return nil
}

// ParseFailRates parses "429=0.05,503=0.01" (the mock-server flag).
func ParseFailRates(s string) (map[int]float64, error) {
	m := map[string]any{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q: want STATUS=RATE", part)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil, fmt.Errorf("%q: rate is not a number", part)
		}
		m[strings.TrimSpace(k)] = f
	}
	return parseFailRate(m)
}

func parseFailRate(v any) (map[int]float64, error) {
	m, ok := toMap(v)
	if !ok {
		return nil, fmt.Errorf(`must be a map of HTTP status to rate, like {"429": 0.05}, got %s`, describe(v))
	}
	out := make(map[int]float64, len(m))
	for k, rv := range m {
		status, err := strconv.Atoi(strings.TrimSpace(k))
		if err != nil || status < 400 || status > 599 {
			return nil, fmt.Errorf("%q is not an HTTP error status (400–599)", k)
		}
		r, err := toRate(rv)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		out[status] = r
	}
	if err := checkFailRate(out); err != nil {
		return nil, err
	}
	return out, nil
}

func checkFailRate(m map[int]float64) error {
	sum := 0.0
	for s, r := range m {
		if s < 400 || s > 599 {
			return fmt.Errorf("%d is not an HTTP error status (400–599)", s)
		}
		if !(r >= 0 && r <= 1) {
			return fmt.Errorf("%d: rate must be between 0 and 1, got %v", s, r)
		}
		sum += r
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("the rates sum to %v, more than 1", sum)
	}
	return nil
}

// ParseLatency parses a latency: a duration ("200ms"), a number of seconds,
// "DIST:key=value,..." (the mock-server flag), or a map {distribution, mean,
// low, high, alpha, beta, scale}.
func ParseLatency(v any) (Latency, error) { return parseLatency(v) }

var latencyKeys = []string{"distribution", "mean", "low", "high", "alpha", "beta", "scale"}

func parseLatency(v any) (Latency, error) {
	if s, ok := v.(string); ok {
		if dist, rest, ok := strings.Cut(s, ":"); ok {
			m := map[string]any{"distribution": strings.TrimSpace(dist)}
			for part := range strings.SplitSeq(rest, ",") {
				if strings.TrimSpace(part) == "" {
					continue
				}
				k, val, ok := strings.Cut(part, "=")
				if !ok {
					return Latency{}, fmt.Errorf("%q: want DIST:key=value,...", s)
				}
				m[strings.TrimSpace(k)] = strings.TrimSpace(val)
			}
			v = m
		}
	}
	if m, ok := toMap(v); ok {
		return parseLatencyMap(m)
	}
	d, err := toDuration(v)
	if err != nil {
		return Latency{}, err
	}
	return Latency{Fixed: d}, nil
}

func parseLatencyMap(m map[string]any) (Latency, error) {
	var l Latency
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		var err error
		switch k {
		case "distribution":
			s, ok := v.(string)
			if !ok {
				err = fmt.Errorf("must be a string, got %s", describe(v))
			}
			l.Distribution = strings.ToLower(s)
		case "mean":
			l.Mean, err = toDuration(v)
		case "low":
			l.Low, err = toDuration(v)
		case "high":
			l.High, err = toDuration(v)
		case "alpha":
			l.Alpha, err = toFloat(v)
		case "beta":
			l.Beta, err = toFloat(v)
		case "scale":
			l.Scale, err = toFloat(v)
		default:
			msg := fmt.Sprintf("unknown latency key %q", k)
			if s := suggest(k, latencyKeys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return Latency{}, fmt.Errorf("%s; known keys: %s", msg, strings.Join(latencyKeys, ", "))
		}
		if err != nil {
			return Latency{}, fmt.Errorf("%s: %w", k, err)
		}
	}
	return l, l.validate()
}

func (l Latency) validate() error {
	if l.Fixed < 0 || l.Mean < 0 || l.Low < 0 || l.High < 0 || l.Alpha < 0 || l.Beta < 0 || l.Scale < 0 {
		return fmt.Errorf("durations and parameters must be ≥ 0")
	}
	dists := []string{DistLognormal, DistUniform, DistBeta}
	switch l.Distribution {
	case "":
		if l.Mean != 0 || l.Low != 0 || l.High != 0 || l.Alpha != 0 || l.Beta != 0 || l.Scale != 0 {
			return fmt.Errorf("distribution is required (one of %s)", strings.Join(dists, ", "))
		}
	case DistLognormal:
		if l.Mean == 0 {
			return fmt.Errorf("lognormal needs a mean")
		}
	case DistUniform:
		if l.High < l.Low {
			return fmt.Errorf("uniform needs low ≤ high")
		}
	case DistBeta:
		if l.High != 0 && l.High < l.Low {
			return fmt.Errorf("beta needs low ≤ high")
		}
		if l.High == 0 && l.Scale == 0 {
			return fmt.Errorf("beta needs high (or scale, the span in seconds)")
		}
	default:
		msg := fmt.Sprintf("unknown distribution %q", l.Distribution)
		if s := suggest(l.Distribution, dists); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return fmt.Errorf("%s; known: %s", msg, strings.Join(dists, ", "))
	}
	if l.Distribution != DistLognormal && l.Distribution != "" && l.Mean != 0 {
		return fmt.Errorf("mean applies to lognormal only")
	}
	return nil
}

func toMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, val := range m {
			out[fmt.Sprint(k)] = val
		}
		return out, true
	}
	return nil, false
}

func toFloat(v any) (float64, error) {
	switch n := v.(type) {
	case float64:
		return n, nil
	case float32:
		return float64(n), nil
	case int:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case uint64:
		return float64(n), nil
	case json.Number:
		return n.Float64()
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(n), 64); err == nil {
			return f, nil
		}
	}
	return 0, fmt.Errorf("must be a number, got %s", describe(v))
}

func toInt(v any) (int64, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int64:
		return n, nil
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
	case string:
		if i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := toFloat(v)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("must be an integer, got %s", describe(v))
	}
	return int64(f), nil
}

func toRate(v any) (float64, error) {
	f, err := toFloat(v)
	if err != nil {
		return 0, err
	}
	if !(f >= 0 && f <= 1) {
		return 0, fmt.Errorf("must be between 0 and 1, got %v", f)
	}
	return f, nil
}

// toDuration reads "200ms" or a number of seconds.
func toDuration(v any) (time.Duration, error) {
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		if d, err := time.ParseDuration(s); err == nil {
			if d < 0 {
				return 0, fmt.Errorf("must be ≥ 0, got %s", s)
			}
			return d, nil
		}
	}
	f, err := toFloat(v)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1e6 {
		return 0, fmt.Errorf(`must be a duration like "200ms" or a number of seconds ≥ 0, got %s`, describe(v))
	}
	return time.Duration(f * float64(time.Second)), nil
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", v)
	case map[string]any, map[any]any:
		return "a map"
	case []any:
		return "a list"
	}
	return fmt.Sprint(v)
}

// suggest returns the known name within edit distance 2 of s, if any.
func suggest(s string, known []string) string { return config.Suggest(s, known) }

// sortedStatuses returns the statuses of m in ascending order.
func sortedStatuses(m map[int]float64) []int {
	out := make([]int, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
