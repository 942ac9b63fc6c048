package export

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// A dotted_order part: %Y%m%dT%H%M%S%fZ then the run ID.
	dottedPartRE = regexp.MustCompile(`^(\d{8}T\d{6})(\d{6})Z([0-9a-f-]{36})$`)
	isoMicroRE   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
)

// LangSmith runs, as the run create API takes them: one line per span with
// the required keys and their JSON types, UUIDs, a dotted_order that
// extends the parent's by the run's own part, a known run_type and a
// parent in the same trace.
func TestLangSmithShape(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Options{Format: FormatLangSmith})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(fixture()[0]); err != nil {
		t.Fatal(err)
	}
	w.Close()
	ls := lines(t, buf.String())
	if w.Written() != 1 || w.Lines() != len(fixtureSpans()) || len(ls) != len(fixtureSpans()) {
		t.Fatalf("written %d records, %d lines (%d read); want 1 record, %d lines", w.Written(), w.Lines(), len(ls), len(fixtureSpans()))
	}

	runs := map[string]map[string]any{}
	for _, l := range ls {
		id, _ := l["id"].(string)
		runs[id] = l
	}
	allowed := []string{"tool", "chain", "llm", "retriever", "embedding", "prompt", "parser"}
	roots := 0
	for i, l := range ls {
		for _, k := range []string{"id", "trace_id", "dotted_order", "name", "run_type", "start_time", "end_time"} {
			if _, ok := l[k].(string); !ok {
				t.Errorf("line %d: %s = %v, want a string", i, k, l[k])
			}
		}
		for _, k := range []string{"inputs", "outputs", "extra"} {
			if _, ok := l[k].(map[string]any); !ok {
				t.Errorf("line %d: %s = %v, want an object", i, k, l[k])
			}
		}
		if _, ok := l["extra"].(map[string]any)["metadata"].(map[string]any); !ok {
			t.Errorf("line %d: extra.metadata is not an object", i)
		}
		if _, ok := l["tags"].([]any); !ok {
			t.Errorf("line %d: tags = %v, want a list", i, l["tags"])
		}
		if e, ok := l["error"]; !ok || e != nil && fmt.Sprintf("%T", e) != "string" {
			t.Errorf("line %d: error = %v, want null or a string", i, e)
		}
		id, _ := l["id"].(string)
		if !uuidRE.MatchString(id) || !uuidRE.MatchString(l["trace_id"].(string)) {
			t.Errorf("line %d: id %q or trace_id %v is not a UUID", i, id, l["trace_id"])
		}
		if l["trace_id"] != rootID {
			t.Errorf("line %d: trace_id %v, want the root's ID", i, l["trace_id"])
		}
		if !slices.Contains(allowed, l["run_type"].(string)) {
			t.Errorf("line %d: run_type %v is not one of LangSmith's", i, l["run_type"])
		}
		start, end := l["start_time"].(string), l["end_time"].(string)
		if !isoMicroRE.MatchString(start) || !isoMicroRE.MatchString(end) || end < start {
			t.Errorf("line %d: start_time %q, end_time %q", i, start, end)
		}

		dotted := l["dotted_order"].(string)
		parts := strings.Split(dotted, ".")
		own := dottedPartRE.FindStringSubmatch(parts[len(parts)-1])
		if own == nil || own[3] != id {
			t.Errorf("line %d: dotted_order %q does not end with the run's part", i, dotted)
		} else if at, err := time.Parse("20060102T150405", own[1]); err != nil ||
			at.Add(parseMicros(own[2])).Format("2006-01-02T15:04:05.000000Z") != start {
			t.Errorf("line %d: dotted_order time %s%s is not start_time %s", i, own[1], own[2], start)
		}
		switch parent := l["parent_run_id"].(type) {
		case nil:
			roots++
			if len(parts) != 1 {
				t.Errorf("root dotted_order %q has %d parts", dotted, len(parts))
			}
		case string:
			p := runs[parent]
			if p == nil {
				t.Errorf("line %d: parent_run_id %s is not a run of the trace", i, parent)
				continue
			}
			if !strings.HasPrefix(dotted, p["dotted_order"].(string)+".") || len(parts) != len(strings.Split(p["dotted_order"].(string), "."))+1 {
				t.Errorf("line %d: dotted_order %q does not extend the parent's %q", i, dotted, p["dotted_order"])
			}
		default:
			t.Errorf("line %d: parent_run_id %v is neither null nor a string", i, parent)
		}
	}
	if roots != 1 {
		t.Errorf("%d roots, want 1", roots)
	}

	// Model requests: OpenAI messages in, a chat completion out, usage
	// metadata and the model named for pricing.
	for _, id := range []string{req1ID, req2ID, req3ID} {
		r := runs[id]
		if r["run_type"] != "llm" {
			t.Errorf("request %s: run_type %v", id, r["run_type"])
		}
		msgs := asList(r["inputs"].(map[string]any)["messages"])
		if len(msgs) < 2 || msgs[0].(map[string]any)["role"] != "system" {
			t.Errorf("request %s: inputs.messages = %v", id, msgs)
		}
		out := r["outputs"].(map[string]any)
		choices := asList(out["choices"])
		if len(choices) != 1 || choices[0].(map[string]any)["message"].(map[string]any)["role"] != "assistant" {
			t.Errorf("request %s: outputs.choices = %v", id, out["choices"])
		}
		usage, _ := out["usage_metadata"].(map[string]any)
		for _, k := range []string{"input_tokens", "output_tokens", "total_tokens"} {
			if _, ok := usage[k].(float64); !ok {
				t.Errorf("request %s: usage_metadata.%s = %v, want a number", id, k, usage[k])
			}
		}
		meta := r["extra"].(map[string]any)["metadata"].(map[string]any)
		if meta["ls_model_name"] != "mock-reasoner-1" || meta["ls_provider"] != "mock" || meta["task"] != "add" {
			t.Errorf("request %s: metadata = %v", id, meta)
		}
	}
	if u := runs[req3ID]["outputs"].(map[string]any)["usage_metadata"].(map[string]any); u["total_tokens"] != 290.0 ||
		u["output_token_details"].(map[string]any)["reasoning"] != 6.0 {
		t.Errorf("third request usage = %v", u)
	}
	// The cell: the conversation, no usage of its own.
	cell := runs[cellID]
	if _, ok := cell["outputs"].(map[string]any)["usage_metadata"]; ok || cell["run_type"] != "llm" {
		t.Errorf("cell run: run_type %v, outputs %v", cell["run_type"], cell["outputs"])
	}
	// Tools: arguments in, the result text out; the failed one errored.
	docs := runs[docsID]
	if docs["error"] != "timed out after 200ms" || !slices.Equal(asStrings(docs["tags"]), []string{"tool_error"}) ||
		docs["inputs"].(map[string]any)["query"] != "hours" ||
		docs["outputs"].(map[string]any)["output"] != "Error: search_docs failed: timeout" {
		t.Errorf("search_docs run = %v", docs)
	}
	if mul := runs[mulID]; mul["inputs"].(map[string]any)["a"] != 4.0 || mul["outputs"].(map[string]any)["output"] != "20" {
		t.Errorf("multiply run = %v", mul)
	}
	// The sampler cell is a chain; the root holds the row.
	if s := runs[samplerID]; s["run_type"] != "chain" || s["outputs"].(map[string]any)["output"] != "add" {
		t.Errorf("sampler run = %v", s)
	}
	root := runs[rootID]
	if root["inputs"].(map[string]any)["task"] != "add" ||
		root["outputs"].(map[string]any)["answer"] != "2+3 is 5 and 4*5 is 20; the hours are unknown." {
		t.Errorf("root run = %v", root)
	}
}

func parseMicros(s string) time.Duration {
	us, _ := strconv.ParseInt(s, 10, 64)
	return time.Duration(us) * time.Microsecond
}

func TestDottedOrderPart(t *testing.T) {
	at := time.Date(2023, 9, 14, 22, 31, 55, 647_123_999, time.FixedZone("X", 3600))
	got := dottedOrderPart(at, "1b64098b-4ab7-43f6-afee-992304f198d8")
	if want := "20230914T213155647123Z1b64098b-4ab7-43f6-afee-992304f198d8"; got != want {
		t.Errorf("dottedOrderPart = %q, want %q", got, want)
	}
}
