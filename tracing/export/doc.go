// Package export converts {col}__trace conversations and the span log to
// the files training, evaluation, analysis and observability tools read
// (spec/trace-toolkit.md, "Exports"):
//
//   - hf-messages: {"messages", "tools"} for TRL, Axolotl, Unsloth;
//   - openai-ft: {"messages", "tools", "parallel_tool_calls"}, OpenAI fine-tuning;
//   - sharegpt: LLaMA-Factory's {"conversations", "system", "tools"} (see
//     DatasetInfoEntry for its dataset_info.json entry);
//   - flat: one analysis record per row (with the span log, the cell's
//     latency and total_tokens too);
//   - eval: {"inputs", "expected", "metadata"};
//   - otlp: one OTLP/JSON TracesData line per row's trace, spans with the
//     OpenTelemetry GenAI and OpenInference attributes, for an
//     OpenTelemetry collector feeding Langfuse, Phoenix or any OTLP backend;
//   - langsmith: one LangSmith run (the run create API's body) per span.
//
// otlp and langsmith need Record.Spans, the row's spans from the span log,
// and Record.Conversations, the row's traces, to put each span's messages
// on it; a record without spans is an error wrapping ErrNoSpans.
//
// It imports only the standard library and tracing; reading a dataset folder
// is the caller's job. One Record per row and column goes in, one JSON line
// comes out (langsmith: one per span; Written counts records, Lines lines):
//
//	w, err := export.NewWriter(out, export.Options{Format: export.FormatHFMessages})
//	for rec := range records {
//		if err := w.Write(rec); err != nil { ... }
//	}
//
// A Writer holds no records: memory stays bounded by one record.
package export
