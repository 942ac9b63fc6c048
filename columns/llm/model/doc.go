// Package model talks to OpenAI-compatible chat-completion endpoints: one
// small Client interface, the adapter over github.com/sashabaranov/go-openai
// (with the one layer that closes its gaps), error classification, retries
// and per-endpoint admission (Slots: adaptive concurrency).
//
// A run builds its clients from the config through a Pool; each client is
// WithRetries(WithSlots(NewOpenAI(endpoint), endpointSlots), policy), so a
// request holds a slot of its endpoint only while its HTTP request is in
// flight, never while it sleeps in a backoff or a pause after a 429. The
// endpoint's limit adapts (admission.go): a 429 cuts it and pauses the
// endpoint, successes raise it again, a queueing server is backed off from
// by its latency (admission_latency.go), and an endpoint that answers only
// 429 for too long stops the run resumably (*StallError). A cancelled
// context ends waits at once but lets requests in flight finish:
//
//	pool := model.NewPool(doc, env.Getenv, mockServer.URL)
//	pool.Admission = model.AdmissionPolicyOf(runConfig.RequestAdmission)
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
