package cli

import (
	"fmt"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/columns/llm/mock"
)

func newMockServerCmd(env Env) *cobra.Command {
	var (
		addr           string
		allowRemote    bool
		seed           int64
		latency        string
		toolTurns      int
		parallelCalls  int
		reasoning      bool
		reasoningField string
		failRate       string
		retryAfter     float64
		capacity       int
		queueing       bool
		timeoutRate    float64
		malformedRate  float64
		truncateRate   float64
	)
	cmd := &cobra.Command{
		Use:   "mock-server",
		Short: "Serve the built-in mock model over HTTP (OpenAI-compatible)",
		Long: "mock-server serves the mock model that the `mock` provider runs in-process, for benchmarks and other\n" +
			"tools: POST /v1/chat/completions, GET /v1/models, GET /metrics (requests, slots in use, 429s, busy-slot\n" +
			"seconds) and GET /health. Answers are deterministic placeholders for the same request and seed. Requests\n" +
			"may override every flag with a top-level \"mock\" object (a model's extra_body.mock).\n\n" +
			"--latency is a duration (200ms) or a distribution: lognormal:mean=200ms,scale=0.5,\n" +
			"uniform:low=100ms,high=300ms, beta:low=50ms,high=500ms,alpha=2,beta=5.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkLoopback(addr, allowRemote); err != nil {
				return err
			}
			f := cmd.Flags()
			m := map[string]any{}
			set := func(flag, key string, v any) {
				if f.Changed(flag) {
					m[key] = v
				}
			}
			set("seed", mock.KeySeed, seed)
			set("latency", mock.KeyLatency, latency)
			set("tool-turns", mock.KeyToolTurns, toolTurns)
			set("parallel-tool-calls", mock.KeyParallelToolCalls, parallelCalls)
			set("reasoning", mock.KeyReasoning, reasoning)
			set("reasoning-field", mock.KeyReasoningField, reasoningField)
			set("retry-after", mock.KeyRetryAfter, retryAfter)
			set("capacity", mock.KeyCapacity, capacity)
			set("queueing", mock.KeyQueueing, queueing)
			set("timeout-rate", mock.KeyTimeoutRate, timeoutRate)
			set("malformed-rate", mock.KeyMalformedRate, malformedRate)
			set("truncate-rate", mock.KeyTruncateRate, truncateRate)
			opts, err := mock.ParseOptions(m)
			if err != nil {
				return exitf(ExitInvalid, "%s", flagNames(err.Error()))
			}
			if f.Changed("fail-rate") {
				if opts.FailRate, err = mock.ParseFailRates(failRate); err != nil {
					return exitf(ExitInvalid, "--fail-rate: %v", err)
				}
			}
			if err := opts.Validate(); err != nil {
				return exitf(ExitInvalid, "%s", flagNames(err.Error()))
			}
			srv := mock.NewServer(opts)
			url, closer, err := srv.Start(cmd.Context(), addr)
			if err != nil {
				return exitf(ExitFailed, "%v", err)
			}
			fmt.Fprintf(env.Stderr, "mock model server listening on %s (Ctrl-C to stop)\n", url)
			<-cmd.Context().Done()
			if err := closer.Close(); err != nil {
				return exitf(ExitFailed, "stopping the mock server: %v", err)
			}
			t := srv.Metrics().Total
			fmt.Fprintf(env.Stderr, "mock model server stopped: %d requests, %d rate-limited, %.1f busy slot-seconds\n",
				t.Requests, t.RateLimited, t.BusySlotSeconds)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8000", "address to listen on (loopback only unless --allow-remote)")
	f.BoolVar(&allowRemote, "allow-remote", false, "allow a non-loopback --addr (the server has no authentication)")
	f.Int64Var(&seed, "seed", 0, "seed mixed into every answer and fault decision")
	f.StringVar(&latency, "latency", "0s", "delay before each answer: a duration or DIST:key=value,...")
	f.IntVar(&toolTurns, "tool-turns", 1, "tool-calling replies before the final answer when tools are offered")
	f.IntVar(&parallelCalls, "parallel-tool-calls", 1, "tool calls in one tool-calling reply")
	f.BoolVar(&reasoning, "reasoning", false, "add reasoning to every reply (default: for model ids containing reason or think)")
	f.StringVar(&reasoningField, "reasoning-field", mock.FieldReasoningContent, "where reasoning goes: reasoning_content, reasoning or think")
	f.StringVar(&failRate, "fail-rate", "", "error rates per HTTP status, e.g. 429=0.05,503=0.01")
	f.Float64Var(&retryAfter, "retry-after", 0, "Retry-After seconds sent with 429 and 503")
	f.IntVar(&capacity, "capacity", 0, "concurrent requests per model above which it answers 429 (0: unlimited)")
	f.BoolVar(&queueing, "queueing", false, "above --capacity, queue requests instead of answering 429")
	f.Float64Var(&timeoutRate, "timeout-rate", 0, "probability of never answering")
	f.Float64Var(&malformedRate, "malformed-rate", 0, "probability of an unparseable JSON body")
	f.Float64Var(&truncateRate, "truncate-rate", 0, "probability of a reply cut short (finish_reason length)")
	return cmd
}

// flagNames names the flag in a "mock option key: ..." message.
func flagNames(msg string) string {
	rest, ok := strings.CutPrefix(msg, "mock option ")
	if !ok {
		return msg
	}
	key, detail, _ := strings.Cut(rest, ":")
	return "--" + strings.ReplaceAll(key, "_", "-") + ":" + detail
}

// checkLoopback refuses a non-loopback address unless allowed.
func checkLoopback(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return exitf(ExitInvalid, "--addr %q: want HOST:PORT, like 127.0.0.1:8000", addr)
	}
	if allowRemote || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return exitf(ExitInvalid, "--addr %q is not a loopback address and the mock server has no authentication; "+
		"pass --allow-remote to listen there anyway", addr)
}
