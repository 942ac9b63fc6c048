// Package llm holds the four LLM column kinds (llm-text, llm-code,
// llm-structured, llm-judge): one conversation loop, four recipes.
//
// A cell renders system_prompt and prompt with the row's values, appends the
// kind's instructions to the user prompt (package parse), and asks the
// column's model (package model: an OpenAI-compatible client with retries and
// request slots, shared by every column of a run). The reply is parsed; on a
// parse error the conversation is corrected (max_conversation_correction_steps)
// or restarted (max_conversation_restarts), then the cell fails with a message
// naming the column, the row and the cause. The final conversation becomes
// the {col}__trace column (package tracing) and its last reasoning the
// {col}__reasoning_content column.
//
//	units, diags := llm.Spec(config.KindLLMText).Build(bc, cols)
//	usage := llm.UsageOf(bc).Snapshot() // metadata.json model_usage
//
// Provider "mock" starts the built-in mock model (package mock) in-process on
// a loopback port the first time a column needs it; it is closed with the
// BuildContext.
package llm
