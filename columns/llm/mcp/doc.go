// Package mcp runs the tools of a config's tool aliases on MCP servers, over
// the official SDK github.com/modelcontextprotocol/go-sdk (the one place
// synthgen imports it).
//
// A run builds one Manager from the config and shares it across every cell;
// it connects to each provider (mcp_providers, then $SYNTHGEN_HOME's) on
// first use, fetches each provider's tool list once, and closes every
// session and subprocess when the run ends:
//
//	m := mcp.NewManager(doc, env.Getenv, baseDir)
//	defer m.Close()
//	tools, err := m.Tools(ctx, "research") // before generating: err wraps columns.ErrUnreachable
//	                                        // when a provider cannot start, names duplicates and
//	                                        // allowed tools no provider has
//	for _, t := range tools {
//		offer(t.Name, t.Description, t.Parameters) // {type: function, function: {...}}
//	}
//	blocks, err := m.Call(ctx, "research", "add", `{"a":2,"b":3}`) // [text "5"]
//	if err != nil {
//		reply := "Error: add failed: " + err.Error() // the error is the reason
//	}
//
// Providers: stdio (a subprocess; restarted once per run if it exits),
// streamable_http and sse (api_key sent as a bearer token). Calls are safe
// from any number of goroutines and share one session per provider.
package mcp
