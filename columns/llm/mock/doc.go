// Package mock is the built-in mock model (spec/mock-provider.md): a real
// OpenAI-compatible HTTP server whose answers are placeholders, deterministic
// for the same request and seed. It reads each request the way a model
// would: plain prompts get a short paragraph that mentions words of the
// prompt; a prompt asking for a fenced code block in a language gets one
// (valid Python, a plausible SQL SELECT, ...); a prompt holding a JSON
// Schema and asking for ```json gets a fenced value that validates against
// it (bare JSON with response_format json_schema); offered tools are called
// with arguments valid for their parameters until tool_turns is reached,
// then the answer quotes the tool results. Latency, HTTP errors, capacity
// (429 or queueing), timeouts, malformed bodies and truncation can be
// injected, and GET /metrics reports requests, slots in use and the
// busy-slot integral.
//
// In-process, for synthgen's "mock" provider and for tests:
//
//	url, closer, err := mock.Start(ctx, "", mock.Options{Seed: 1}) // or NewServer(o).Start
//	// url is "http://127.0.0.1:PORT/v1"
//	defer closer.Close()
//
// Per-model options travel in the request body as the top-level key "mock"
// (a model's inference_parameters.extra_body.mock) and override the server's
// defaults; see ParseOptions for the keys.
package mock
