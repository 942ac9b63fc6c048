package mock

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	tr := true
	tests := []struct {
		name    string
		give    map[string]any
		want    Options
		wantErr string
	}{
		{name: "empty", give: nil, want: Options{}},
		{name: "everything", give: map[string]any{
			"seed": 42, "tool_turns": 2, "parallel_tool_calls": 3.0, "reasoning": true, "reasoning_field": "think",
			"latency": "200ms", "fail_rate": map[string]any{"429": 0.05, "503": 0.01}, "retry_after": 1.5,
			"capacity": 8, "queueing": true, "timeout_rate": 0.01, "malformed_rate": 0.02, "truncate_rate": 0.03,
		}, want: Options{
			Seed: 42, ToolTurns: 2, ParallelToolCalls: 3, Reasoning: &tr, ReasoningField: FieldThink,
			Latency: Latency{Fixed: 200 * time.Millisecond}, FailRate: map[int]float64{429: 0.05, 503: 0.01}, RetryAfter: 1.5,
			Capacity: 8, Queueing: true, TimeoutRate: 0.01, MalformedRate: 0.02, TruncateRate: 0.03,
		}},
		{name: "no tool turns", give: map[string]any{"tool_turns": 0}, want: Options{ToolTurns: -1}},
		{name: "latency in seconds", give: map[string]any{"latency": 0.25}, want: Options{Latency: Latency{Fixed: 250 * time.Millisecond}}},
		{name: "lognormal", give: map[string]any{"latency": map[string]any{"distribution": "lognormal", "mean": "1s", "scale": 0.3}},
			want: Options{Latency: Latency{Distribution: DistLognormal, Mean: time.Second, Scale: 0.3}}},
		{name: "uniform, YAML map", give: map[string]any{"latency": map[any]any{"distribution": "uniform", "low": "10ms", "high": 0.02}},
			want: Options{Latency: Latency{Distribution: DistUniform, Low: 10 * time.Millisecond, High: 20 * time.Millisecond}}},
		{name: "unknown key", give: map[string]any{"latncy": "1s"}, wantErr: `unknown mock option "latncy" (did you mean "latency"?)`},
		{name: "unknown distribution", give: map[string]any{"latency": map[string]any{"distribution": "lognorm", "mean": "1s"}},
			wantErr: `unknown distribution "lognorm" (did you mean "lognormal"?)`},
		{name: "unknown latency key", give: map[string]any{"latency": map[string]any{"distribution": "beta", "hi": "1s"}},
			wantErr: `mock option latency: unknown latency key "hi"`},
		{name: "bad rate", give: map[string]any{"timeout_rate": 1.5}, wantErr: "mock option timeout_rate: must be between 0 and 1"},
		{name: "rates over 1", give: map[string]any{"fail_rate": map[string]any{"429": 0.6, "503": 0.6}}, wantErr: "sum to"},
		{name: "bad status", give: map[string]any{"fail_rate": map[string]any{"200": 0.1}}, wantErr: `"200" is not an HTTP error status`},
		{name: "fractional int", give: map[string]any{"capacity": 1.5}, wantErr: "mock option capacity: must be an integer"},
		{name: "bad field", give: map[string]any{"reasoning_field": "thoughts"}, wantErr: "mock option reasoning_field"},
		{name: "bad bool", give: map[string]any{"queueing": "yes"}, wantErr: "mock option queueing: must be true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOptions(tt.give)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// An override keeps the defaults it does not name and never changes them.
func TestOverride(t *testing.T) {
	def := Options{Seed: 1, FailRate: map[int]float64{429: 0.1}, Capacity: 4}
	got, err := def.Override(map[string]any{"fail_rate": map[string]any{"503": 0.2}, "seed": 2})
	if err != nil {
		t.Fatal(err)
	}
	if got.Seed != 2 || got.Capacity != 4 || !reflect.DeepEqual(got.FailRate, map[int]float64{503: 0.2}) || def.FailRate[429] != 0.1 {
		t.Errorf("got %+v, defaults %+v", got, def)
	}
}

func TestParseFlags(t *testing.T) {
	rates, err := ParseFailRates("429=0.05, 503=0.01")
	if err != nil || !reflect.DeepEqual(rates, map[int]float64{429: 0.05, 503: 0.01}) {
		t.Errorf("%v %v", rates, err)
	}
	if _, err := ParseFailRates("429:0.05"); err == nil {
		t.Error("want an error for 429:0.05")
	}
	l, err := ParseLatency("uniform:low=100ms,high=300ms")
	if err != nil || l != (Latency{Distribution: DistUniform, Low: 100 * time.Millisecond, High: 300 * time.Millisecond}) {
		t.Errorf("%+v %v", l, err)
	}
}

func TestLatencySample(t *testing.T) {
	tests := []struct {
		give     Latency
		min, max time.Duration
	}{
		{Latency{Fixed: 200 * time.Millisecond}, 200 * time.Millisecond, 200 * time.Millisecond},
		{Latency{Distribution: DistUniform, Low: 100 * time.Millisecond, High: 300 * time.Millisecond}, 100 * time.Millisecond, 300 * time.Millisecond},
		{Latency{Distribution: DistLognormal, Mean: 200 * time.Millisecond, Scale: 0.5}, 0, time.Hour},
		{Latency{Distribution: DistLognormal, Mean: 200 * time.Millisecond, Low: 150 * time.Millisecond, High: 250 * time.Millisecond}, 150 * time.Millisecond, 250 * time.Millisecond},
		{Latency{Distribution: DistBeta, Low: 100 * time.Millisecond, High: 500 * time.Millisecond, Alpha: 2, Beta: 5}, 100 * time.Millisecond, 500 * time.Millisecond},
		{Latency{Distribution: DistBeta, Alpha: 0.5, Beta: 0.5, Scale: 0.2}, 0, 200 * time.Millisecond},
	}
	for _, tt := range tests {
		r := rand.New(rand.NewPCG(1, 2))
		const n = 20000
		sum := 0.0
		for range n {
			d := tt.give.Sample(r)
			if d < tt.min || d > tt.max {
				t.Fatalf("%+v: sample %v outside [%v, %v]", tt.give, d, tt.min, tt.max)
			}
			sum += d.Seconds()
		}
		mean, want := sum/n, tt.give.MeanDuration().Seconds()
		if tt.give.Low == 0 || tt.give.Distribution != DistLognormal { // clamping moves the mean
			if math.Abs(mean-want) > 0.03*want {
				t.Errorf("%+v: mean %.4f, want %.4f", tt.give, mean, want)
			}
		}
	}
}
