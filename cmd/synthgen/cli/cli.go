package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes (spec/engine.md).
const (
	ExitOK          = 0
	ExitFailed      = 1   // generation failed or produced no rows
	ExitInvalid     = 2   // invalid config or usage
	ExitUnreachable = 3   // a model or tool provider unreachable
	ExitInterrupted = 130 // interrupted
)

// Version is set at build time (-ldflags "-X .../cli.Version=v1.2.3").
var Version = "dev"

// Env is everything a command reads from its process.
type Env struct {
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv looks up an environment variable; nil means none are set.
	Getenv func(string) (string, bool)
}

func (e Env) getenv(k string) (string, bool) {
	if e.Getenv == nil {
		return "", false
	}
	return e.Getenv(k)
}

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func exitf(code int, format string, args ...any) error {
	return &exitError{code: code, err: fmt.Errorf(format, args...)}
}

// silent is an exit code whose message was already printed.
func silent(code int) error { return &exitError{code: code} }

// Run runs one synthgen command and returns its exit code.
func Run(ctx context.Context, env Env) int {
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	env.Stderr = &redactor{w: env.Stderr}
	root := newRoot(ctx, env)
	root.SetArgs(env.Args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown command, bad flags, wrong arg count.
	fmt.Fprintf(env.Stderr, "error: %v\nRun 'synthgen --help' for usage.\n", err)
	return ExitInvalid
}

func newRoot(ctx context.Context, env Env) *cobra.Command {
	root := &cobra.Command{
		Use:           "synthgen",
		Short:         "Generate synthetic datasets from a YAML config",
		Long:          "synthgen generates synthetic datasets from a YAML config of columns: samplers, expressions,\nseed data, validation and LLM columns. Configs written for NeMo Data Designer load unchanged.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newValidateCmd(env),
		newPreviewCmd(env),
		newCreateCmd(env),
		newColumnsCmd(env),
		newToolsCmd(env),
		newMockServerCmd(env),
		newTracesCmd(env),
		newReviewCmd(env),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				fmt.Fprintf(env.Stdout, "synthgen %s\n", Version)
				return nil
			},
		},
	)
	return root
}

// newLogger logs to w as plain lines a person reads: "warning: message
// (key=value ...)". Debug records are dropped.
func newLogger(w io.Writer) *slog.Logger { return slog.New(&lineHandler{w: w, mu: &sync.Mutex{}}) }

// lineHandler is a minimal slog.Handler for the terminal and CI logs.
type lineHandler struct {
	w     io.Writer
	attrs []slog.Attr
	mu    *sync.Mutex
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("error: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("warning: ")
	}
	b.WriteString(r.Message)
	var extra []string
	add := func(a slog.Attr) bool {
		extra = append(extra, a.Key+"="+a.Value.String())
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	b.WriteByte('\n')
	if h.mu != nil {
		h.mu.Lock()
		defer h.mu.Unlock()
	}
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &lineHandler{w: h.w, attrs: append(append([]slog.Attr(nil), h.attrs...), as...), mu: h.mu}
}

func (h *lineHandler) WithGroup(string) slog.Handler { return h }

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	if r, ok := w.(*redactor); ok {
		w = r.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// termWidth is the number of columns of the terminal w writes to; 0 when w
// is not a terminal or its size is unknown.
func termWidth(w io.Writer) int {
	if r, ok := w.(*redactor); ok {
		w = r.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return cols
}
