// Package model talks to OpenAI-compatible chat-completion endpoints: one
// small Client interface, the adapter over github.com/sashabaranov/go-openai
// (with the one layer that closes its gaps), error classification, retries
// and per-endpoint admission (request slots).
//
// A run builds its clients from the config through a Pool; each client is
// WithRetries(WithSlots(NewOpenAI(endpoint), endpointSlots), policy), so a
// request holds a slot of its endpoint only while its HTTP request is in
// flight, never while it sleeps in a backoff:
//
//	pool := model.NewPool(doc, env.Getenv, mockServer.URL)
//	client, info, err := pool.Client("writer") // err wraps columns.ErrUnreachable when the key is missing
//	if err := model.HealthCheck(ctx, client, info); err != nil { ... }
//	req := &model.Request{Model: info.Model, Messages: msgs, MaxTokens: info.MaxTokens, ExtraBody: info.ExtraBody}
//	req.Temperature, req.TopP = info.Params(rng)
//	resp, err := client.Complete(ctx, req) // err is a *model.Error sorted into a Kind
//
// The adapter's layer (layer.go) sits between go-openai and net/http: it
// writes the request body (temperature 0 and top_p 0 kept, extra_body merged
// at the top level, never n or tool_choice), keeps the raw reply (for the
// `reasoning` field and null content) and the status, headers and body of a
// failure (for Retry-After and the classification of non-JSON errors).
package model
