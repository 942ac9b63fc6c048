package mock

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// reply is the assistant message the mock answers with.
type reply struct {
	content   string
	reasoning string
	toolCalls []toolCall
	finish    string
}

// replyKind is what the last user message asks for.
type replyKind int

const (
	kindText replyKind = iota
	kindCode
	kindFencedJSON
	kindBareJSON
)

// answer builds the reply to req: a function of (req, key) only.
func answer(req *chatRequest, opts Options, key [32]byte) reply {
	r := rng(key, "answer", 0)
	last := req.lastUser()
	turns, calls := req.toolTurns()

	// What is asked: response_format, then the last fence tag, then a schema
	// plus "json", then "code block" plus a language name.
	kind, tag, lang := kindText, "", ""
	var schema *object
	textForWords := last
	if s, start, end := findSchema(last); s != nil {
		schema = s
		textForWords = last[:start] + " " + last[end:]
	}
	if rf := req.ResponseFormat; rf != nil && (rf.Type == "json_schema" || rf.Type == "json_object") {
		kind = kindBareJSON
		if rf.JSONSchema != nil && len(rf.JSONSchema.Schema) > 0 {
			if v, err := decodeOrdered(rf.JSONSchema.Schema); err == nil {
				if o, ok := v.(*object); ok {
					schema = o
				}
			}
		}
	} else if t, l := requestedFence(last); l == "json" {
		kind = kindFencedJSON
	} else if l != "" {
		kind, tag, lang = kindCode, t, l
	} else if schema != nil && strings.Contains(strings.ToLower(last), "json") {
		kind = kindFencedJSON
	} else if t, l := proseLanguage(last); l != "" {
		kind, tag, lang = kindCode, t, l
	}
	kws := keywords(promptPart(textForWords), 16)
	if len(kws) == 0 {
		for i := len(req.Messages) - 1; i >= 0 && len(kws) == 0; i-- {
			kws = keywords(req.Messages[i].text, 16)
		}
	}

	if len(req.Tools) > 0 && turns < opts.ToolTurns {
		return toolCallReply(req, opts, r, kws, last, calls)
	}

	results := req.toolResults()
	var out reply
	out.finish = "stop"
	switch kind {
	case kindText:
		out.content = paragraph(r, kws)
		if len(results) > 0 {
			out.content = quoteTools(results) + " " + out.content
		}
		out.reasoning = fmt.Sprintf("The prompt is about %s. A short paragraph covers it.", strings.Join(firstN(kws, 2, "the topic"), " and "))
	case kindCode:
		out.content = "```" + tag + "\n" + codeSnippet(r, lang, kws, results) + "\n```"
		out.reasoning = fmt.Sprintf("The user wants %s code about %s. A short, self-contained snippet will do.", lang, firstN(kws, 1, "the task")[0])
	case kindFencedJSON, kindBareJSON:
		if schema == nil {
			schema = genericSchema()
		}
		g := &valueGen{r: r, root: schema, kws: kws}
		v := g.value(schema, "", 0)
		if kind == kindBareJSON {
			out.content = encodeJSON(v, "")
		} else {
			out.content = "```json\n" + encodeJSON(v, "  ") + "\n```"
		}
		out.reasoning = "I need a JSON value that matches the schema"
		if props := schema.obj("properties"); props != nil && len(props.keys) > 0 {
			out.reasoning += ", with " + strings.Join(firstN(props.keys, 4, ""), ", ")
		}
		out.reasoning += "."
	}
	if len(results) > 0 {
		out.reasoning = quoteTools(results) + " I can answer now."
	}
	return out
}

// toolCallReply calls ParallelToolCalls tools, starting with the first tool
// the prompt names (else a random one); arguments validate against each
// tool's parameters and use the prompt's numbers where they fit.
func toolCallReply(req *chatRequest, opts Options, r *rand.Rand, kws []string, last string, calls int) reply {
	tools := req.Tools
	start := r.IntN(len(tools))
	lower := strings.ToLower(last)
	for i, t := range tools {
		if strings.Contains(lower, strings.ToLower(t.Function.Name)) {
			start = i
			break
		}
	}
	numbers := promptNumbers(last)
	out := reply{finish: "tool_calls"}
	var names []string
	for i := range max(opts.ParallelToolCalls, 1) {
		t := tools[(start+i)%len(tools)]
		args := "{}"
		if len(t.Function.Parameters) > 0 {
			if v, err := decodeOrdered(t.Function.Parameters); err == nil {
				if schema, ok := v.(*object); ok {
					g := &valueGen{r: r, root: schema, kws: kws, numbers: append([]float64(nil), numbers...)}
					val := g.value(schema, "", 0)
					if _, isObj := val.(*object); isObj {
						args = encodeJSON(val, "")
					}
				}
			}
		}
		out.toolCalls = append(out.toolCalls, toolCall{
			ID: fmt.Sprintf("call_%d", calls+i+1), Type: "function",
			Function: functionCall{Name: t.Function.Name, Arguments: args},
		})
		names = append(names, t.Function.Name)
	}
	out.reasoning = fmt.Sprintf("The question is about %s. I should call %s before answering.",
		strings.Join(firstN(kws, 2, "the task"), " and "), strings.Join(names, " and "))
	return out
}

// promptPart drops the paragraphs that hold fences (appended instructions
// like "a line ```python, then the code"), unless nothing else is left.
func promptPart(text string) string {
	var keep []string
	for p := range strings.SplitSeq(text, "\n\n") {
		if !strings.Contains(p, "```") {
			keep = append(keep, p)
		}
	}
	if len(keep) == 0 {
		return text
	}
	return strings.Join(keep, "\n\n")
}

func firstN(l []string, n int, fallback string) []string {
	if len(l) == 0 {
		return []string{fallback}
	}
	return l[:min(n, len(l))]
}
