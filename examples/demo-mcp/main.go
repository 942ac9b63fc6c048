// Command demo-mcp is a small MCP server with deterministic tools for
// tool-use demos and tests of synthgen: add, multiply, calculator,
// convert_units, lookup and search_docs over a bundled handbook, and, with
// --test-tools, sleep and fail.
//
// It serves MCP over stdio by default. With --http 127.0.0.1:PORT it serves
// streamable HTTP at /mcp and SSE at /sse on that loopback address instead
// (port 0 picks a free port; the address is printed on stderr).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

// run serves until the client disconnects (stdio) or ctx ends (HTTP) and
// returns the exit code.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo-mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	httpAddr := fs.String("http", "", "serve streamable HTTP (/mcp) and SSE (/sse) on this loopback `address`, e.g. 127.0.0.1:8931, instead of stdio")
	testTools := fs.Bool("test-tools", false, "also offer the test-only tools sleep and fail")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "demo-mcp: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	server := newServer(*testTools)
	if *httpAddr == "" {
		if err := server.Run(ctx, &mcp.StdioTransport{}); err != nil && ctx.Err() == nil {
			fmt.Fprintf(stderr, "demo-mcp: %v\n", err)
			return 1
		}
		return 0
	}
	if err := checkLoopback(*httpAddr); err != nil {
		fmt.Fprintf(stderr, "demo-mcp: %v\n", err)
		return 2
	}
	if err := serveHTTP(ctx, server, *httpAddr, stderr); err != nil {
		fmt.Fprintf(stderr, "demo-mcp: %v\n", err)
		return 1
	}
	return 0
}

// checkLoopback refuses addresses other than localhost and loopback IPs:
// the demo server has no authentication.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--http %s: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--http %s: refusing a non-loopback address; use 127.0.0.1:PORT", addr)
}

// serveHTTP serves streamable HTTP at /mcp and SSE at /sse until ctx ends.
func serveHTTP(ctx context.Context, server *mcp.Server, addr string, stderr io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	getServer := func(*http.Request) *mcp.Server { return server }
	mux := http.NewServeMux()
	mux.Handle("/mcp", mcp.NewStreamableHTTPHandler(getServer, nil))
	mux.Handle("/sse", mcp.NewSSEHandler(getServer, nil))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stderr, "demo-mcp: serving streamable HTTP at %s/mcp and SSE at %s/sse\n", base, base)

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close() // open SSE streams do not end on their own
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Tool inputs. Fields without omitempty are required.
type (
	twoNumbers struct {
		A float64 `json:"a" jsonschema:"the first number"`
		B float64 `json:"b" jsonschema:"the second number"`
	}
	calculatorInput struct {
		Expression string `json:"expression" jsonschema:"an arithmetic expression with numbers, + - * / and parentheses, e.g. (2 + 3) * 4.5"`
	}
	convertInput struct {
		Value float64 `json:"value" jsonschema:"the quantity to convert"`
		From  string  `json:"from" jsonschema:"the unit of value: mm cm m km in ft yd mi, mg g kg t oz lb, C F K"`
		To    string  `json:"to" jsonschema:"the unit to convert to (same dimension as from)"`
	}
	queryInput struct {
		Query string `json:"query" jsonschema:"what to look for"`
	}
	sleepInput struct {
		Seconds float64 `json:"seconds" jsonschema:"how long to sleep, at most 300"`
	}
	failInput struct {
		Message string `json:"message" jsonschema:"the error message to return"`
	}
)

// newServer returns the demo server with its tools; testTools adds sleep and
// fail.
func newServer(testTools bool) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "synthgen-demo-mcp", Version: "1.0.0"}, &mcp.ServerOptions{
		Instructions: "Deterministic demo tools: arithmetic, unit conversion and the Orbital Coffee Co. handbook.",
	})
	mcp.AddTool(s, &mcp.Tool{Name: "add", Description: "Add two numbers and return the sum."},
		func(_ context.Context, _ *mcp.CallToolRequest, in twoNumbers) (*mcp.CallToolResult, any, error) {
			return text(formatNumber(in.A + in.B)), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "multiply", Description: "Multiply two numbers and return the product."},
		func(_ context.Context, _ *mcp.CallToolRequest, in twoNumbers) (*mcp.CallToolResult, any, error) {
			return text(formatNumber(in.A * in.B)), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "calculator", Description: "Evaluate an arithmetic expression (+ - * / and parentheses) and return the result."},
		func(_ context.Context, _ *mcp.CallToolRequest, in calculatorInput) (*mcp.CallToolResult, any, error) {
			v, err := evaluate(in.Expression)
			if err != nil {
				return nil, nil, err
			}
			return text(formatNumber(v)), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "convert_units", Description: "Convert a length, mass or temperature from one unit to another."},
		func(_ context.Context, _ *mcp.CallToolRequest, in convertInput) (*mcp.CallToolResult, any, error) {
			out, err := convert(in.Value, in.From, in.To)
			if err != nil {
				return nil, nil, err
			}
			return text(out), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "lookup", Description: "Return the Orbital Coffee Co. handbook entry with this title (e.g. \"Return policy\")."},
		func(_ context.Context, _ *mcp.CallToolRequest, in queryInput) (*mcp.CallToolResult, any, error) {
			d, err := lookupDocument(in.Query)
			if err != nil {
				return nil, nil, err
			}
			return text(d.Title + ": " + d.Text), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "search_docs", Description: "Search the Orbital Coffee Co. handbook and return the best matching entries (up to 3)."},
		func(_ context.Context, _ *mcp.CallToolRequest, in queryInput) (*mcp.CallToolResult, any, error) {
			hits := searchDocuments(in.Query, 3)
			if len(hits) == 0 {
				return text("No handbook entry matches " + fmt.Sprintf("%q", in.Query) + "."), nil, nil
			}
			var b strings.Builder
			for i, d := range hits {
				if i > 0 {
					b.WriteString("\n")
				}
				fmt.Fprintf(&b, "[%s] %s: %s", d.ID, d.Title, d.Text)
			}
			return text(b.String()), nil, nil
		})
	if !testTools {
		return s
	}
	mcp.AddTool(s, &mcp.Tool{Name: "sleep", Description: "(test) Sleep for some seconds, then return."},
		func(ctx context.Context, _ *mcp.CallToolRequest, in sleepInput) (*mcp.CallToolResult, any, error) {
			if in.Seconds < 0 || in.Seconds > 300 {
				return nil, nil, fmt.Errorf("seconds must be between 0 and 300, got %s", formatNumber(in.Seconds))
			}
			t := time.NewTimer(time.Duration(in.Seconds * float64(time.Second)))
			defer t.Stop()
			select {
			case <-t.C:
				return text("slept " + formatNumber(in.Seconds) + " s"), nil, nil
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		})
	mcp.AddTool(s, &mcp.Tool{Name: "fail", Description: "(test) Return an error result with this message."},
		func(_ context.Context, _ *mcp.CallToolRequest, in failInput) (*mcp.CallToolResult, any, error) {
			return nil, nil, errors.New(in.Message)
		})
	return s
}

// text is a result with one text part.
func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}
