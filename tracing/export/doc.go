// Package export converts {col}__trace conversations to the files training,
// evaluation and analysis tools read (spec/trace-toolkit.md, "Exports"):
//
//   - hf-messages: {"messages", "tools"} for TRL, Axolotl, Unsloth;
//   - openai-ft: {"messages", "tools", "parallel_tool_calls"}, OpenAI fine-tuning;
//   - sharegpt: LLaMA-Factory's {"conversations", "system", "tools"} (see
//     DatasetInfoEntry for its dataset_info.json entry);
//   - flat: one analysis record per row;
//   - eval: {"inputs", "expected", "metadata"}.
//
// It imports only the standard library and tracing; reading a dataset folder
// is the caller's job. One Record per row and column goes in, one JSON line
// comes out:
//
//	w, err := export.NewWriter(out, export.Options{Format: export.FormatHFMessages})
//	for rec := range records {
//		if err := w.Write(rec); err != nil { ... }
//	}
//
// A Writer holds no records: memory stays bounded by one record.
package export
