package export

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/synthgen/synthgen/tracing"
)

// LLaMA-Factory's ShareGPT tags.
const (
	tagHuman       = "human"
	tagGPT         = "gpt"
	tagFunction    = "function_call"
	tagObservation = "observation"
)

type turn struct {
	from, value string
}

// shareGPT converts a record to LLaMA-Factory's ShareGPT form. Roles must
// alternate: human/observation at odd positions (1st, 3rd, ...),
// gpt/function_call at even ones. So:
//   - the first system message becomes "system"; later ones are skipped;
//   - an assistant turn with tool calls is one function_call turn whose value
//     is the call as {"name","arguments"} or, for parallel calls, the JSON
//     list of them; reasoning is inlined before it as <think>…</think>,
//     which LLaMA-Factory's function formatter strips into the thought;
//     text the model wrote next to its calls is dropped;
//   - the tool results of one turn are one observation turn: the result text
//     for one call, the JSON list of the result texts for parallel calls;
//   - consecutive turns with the same tag are joined with a blank line;
//     a conversation that still does not alternate (or does not start with
//     a human turn and end with a gpt turn) is skipped (ErrSkipped).
//
// Images become "<image>" placeholders in the text and the "images" list.
func (w *Writer) shareGPT(rec Record) (any, error) {
	var (
		system string
		turns  []turn
		images []string
	)
	add := func(from, value string) {
		if n := len(turns); n > 0 && turns[n-1].from == from {
			turns[n-1].value += "\n\n" + value
			return
		}
		turns = append(turns, turn{from, value})
	}
	textWithImages := func(m tracing.Message) string {
		var parts []string
		for _, b := range m.Content {
			if b.ImageURL != nil {
				parts = append(parts, "<image>")
				images = append(images, b.ImageURL.URL)
				continue
			}
			parts = append(parts, b.Text)
		}
		return strings.Join(parts, "")
	}
	msgs := rec.Messages
	for i := 0; i < len(msgs); i++ {
		m := msgs[i]
		switch m.Role {
		case tracing.RoleSystem:
			if system == "" && len(turns) == 0 {
				system = text(m)
			}
		case tracing.RoleUser:
			add(tagHuman, textWithImages(m))
		case tracing.RoleAssistant:
			think := ""
			if w.opts.Reasoning == ReasoningInline {
				think = thinkPrefix(m.ReasoningContent)
			}
			if len(m.ToolCalls) == 0 {
				add(tagGPT, think+textWithImages(m))
				continue
			}
			calls := make([]*obj, len(m.ToolCalls))
			for j, c := range m.ToolCalls {
				calls[j] = (&obj{}).set("name", c.Function.Name).set("arguments", arguments(c, false))
			}
			var v any = calls
			if len(calls) == 1 {
				v = calls[0]
			}
			b, err := tracing.MarshalNoEscape(v)
			if err != nil {
				return nil, err
			}
			turns = append(turns, turn{tagFunction, think + string(b)})
			// The results of this turn, in call order, as one observation.
			var results []string
			for i+1 < len(msgs) && msgs[i+1].Role == tracing.RoleTool {
				i++
				results = append(results, textWithImages(msgs[i]))
			}
			switch len(results) {
			case 0:
			case 1:
				turns = append(turns, turn{tagObservation, results[0]})
			default:
				b, err := tracing.MarshalNoEscape(results)
				if err != nil {
					return nil, err
				}
				turns = append(turns, turn{tagObservation, string(b)})
			}
		case tracing.RoleTool:
			add(tagObservation, textWithImages(m))
		}
	}
	if err := checkAlternation(turns); err != nil {
		return nil, err
	}
	conv := make([]*obj, len(turns))
	for i, t := range turns {
		conv[i] = (&obj{}).set("from", t.from).set("value", t.value)
	}
	o := (&obj{}).set("conversations", conv)
	if system != "" {
		o.set("system", system)
	}
	if len(rec.Tools) > 0 {
		defs := make([]json.RawMessage, 0, len(rec.Tools))
		for _, t := range rec.Tools {
			defs = append(defs, functionOf(t))
		}
		b, err := tracing.MarshalNoEscape(defs)
		if err != nil {
			return nil, err
		}
		o.set("tools", string(b))
	}
	if len(images) > 0 {
		o.set("images", images)
	}
	return o, nil
}

// functionOf unwraps {"type":"function","function":{...}} to the function
// definition {"name","description","parameters"} LLaMA-Factory documents.
func functionOf(tool json.RawMessage) json.RawMessage {
	var w struct {
		Type     string          `json:"type"`
		Function json.RawMessage `json:"function"`
	}
	if json.Unmarshal(tool, &w) == nil && w.Type == "function" && len(w.Function) > 0 {
		return w.Function
	}
	return tool
}

func humanSide(from string) bool { return from == tagHuman || from == tagObservation }

func checkAlternation(turns []turn) error {
	if len(turns) == 0 {
		return fmt.Errorf("%w: empty conversation", ErrSkipped)
	}
	for i, t := range turns {
		if humanSide(t.from) != (i%2 == 0) {
			return fmt.Errorf("%w: turn %d (%s) breaks the human/gpt alternation LLaMA-Factory requires", ErrSkipped, i+1, t.from)
		}
	}
	if turns[len(turns)-1].from != tagGPT {
		return fmt.Errorf("%w: the conversation does not end with a gpt turn", ErrSkipped)
	}
	return nil
}

// DatasetInfoEntry is the dataset_info.json entry of a sharegpt export
// written to file (a path relative to dataset_info.json's folder).
func DatasetInfoEntry(file string) map[string]any {
	return map[string]any{
		"file_name":  filepath.ToSlash(file),
		"formatting": "sharegpt",
		"columns": map[string]any{
			"messages": "conversations",
			"system":   "system",
			"tools":    "tools",
			"images":   "images",
		},
		"tags": map[string]any{
			"role_tag":        "from",
			"content_tag":     "value",
			"user_tag":        tagHuman,
			"assistant_tag":   tagGPT,
			"observation_tag": tagObservation,
			"function_tag":    tagFunction,
			"system_tag":      "system",
		},
	}
}
