package export

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

var (
	hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)
	hex16 = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// otlpIDs are the IDs of a line's spans as written. protojson reads OTLP's
// hex IDs as base64 (OTLP/JSON differs from the protobuf JSON mapping
// there), so the IDs are checked on the JSON itself.
type otlpIDs struct {
	ResourceSpans []struct {
		ScopeSpans []struct {
			Spans []struct {
				TraceID      string `json:"traceId"`
				SpanID       string `json:"spanId"`
				ParentSpanID string `json:"parentSpanId"`
			} `json:"spans"`
		} `json:"scopeSpans"`
	} `json:"resourceSpans"`
}

func attrMap(kvs []*commonpb.KeyValue) map[string]*commonpb.AnyValue {
	m := make(map[string]*commonpb.AnyValue, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

// OTLP/JSON: every line decodes (unknown fields rejected) into the
// official TracesData; one trace per line with valid, unique IDs and every
// parent present; GenAI attributes on model requests with the types the
// semantic conventions give them; tool spans paired with their calls.
func TestOTLPShape(t *testing.T) {
	out, _ := export(t, Options{Format: FormatOTLP})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1 (one per record with spans)", len(lines))
	}
	line := []byte(lines[0])
	var td tracepb.TracesData
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(line, &td); err != nil {
		t.Fatalf("not OTLP/JSON TracesData: %v", err)
	}
	if len(td.ResourceSpans) != 1 || len(td.ResourceSpans[0].ScopeSpans) != 1 {
		t.Fatalf("want one resourceSpans with one scopeSpans: %v", &td)
	}
	rs := td.ResourceSpans[0]
	if v := attrMap(rs.Resource.GetAttributes())["service.name"]; v.GetStringValue() != "synthgen" {
		t.Errorf("service.name = %v", v)
	}
	if rs.ScopeSpans[0].Scope.GetName() != "synthgen" {
		t.Errorf("scope = %v", rs.ScopeSpans[0].Scope)
	}
	spans := rs.ScopeSpans[0].Spans
	if len(spans) != len(fixtureSpans()) {
		t.Fatalf("%d spans, want %d", len(spans), len(fixtureSpans()))
	}

	var ids otlpIDs
	if err := json.Unmarshal(line, &ids); err != nil {
		t.Fatal(err)
	}
	written := ids.ResourceSpans[0].ScopeSpans[0].Spans
	spanIDs := map[string]bool{}
	for _, s := range written {
		if !hex16.MatchString(s.SpanID) || spanIDs[s.SpanID] {
			t.Errorf("span ID %q is not 16 hex digits or repeats", s.SpanID)
		}
		spanIDs[s.SpanID] = true
	}
	roots := 0
	for _, s := range written {
		if s.TraceID != strings.ReplaceAll(rootID, "-", "") || !hex32.MatchString(s.TraceID) {
			t.Errorf("trace ID %q, want the root UUID's 32 hex digits", s.TraceID)
		}
		switch {
		case s.ParentSpanID == "":
			roots++
		case !spanIDs[s.ParentSpanID]:
			t.Errorf("span %s: parent %s is not in the line", s.SpanID, s.ParentSpanID)
		}
	}
	if roots != 1 {
		t.Errorf("%d spans without a parent, want 1", roots)
	}

	byID := map[string]*tracepb.Span{}
	for _, s := range spans {
		a := attrMap(s.Attributes)
		byID[a["synthgen.span_id"].GetStringValue()] = s
		if s.StartTimeUnixNano == 0 || s.EndTimeUnixNano < s.StartTimeUnixNano {
			t.Errorf("span %q: times %d..%d", s.Name, s.StartTimeUnixNano, s.EndTimeUnixNano)
		}
		if a["openinference.span.kind"].GetStringValue() == "" {
			t.Errorf("span %q has no openinference.span.kind", s.Name)
		}
	}
	wantTokens := map[string][2]int64{req1ID: {120, 40}, req2ID: {180, 25}, req3ID: {260, 30}}
	for id, tokens := range wantTokens {
		s := byID[id]
		if s == nil {
			t.Fatalf("no span with synthgen.span_id %s", id)
		}
		a := attrMap(s.Attributes)
		if s.Kind != tracepb.Span_SPAN_KIND_CLIENT || s.Name != "chat mock-reasoner-1" {
			t.Errorf("request %s: kind %v, name %q; want CLIENT, chat mock-reasoner-1", id, s.Kind, s.Name)
		}
		for key, want := range map[string]string{
			"gen_ai.operation.name": "chat", "gen_ai.request.model": "mock-reasoner-1",
			"gen_ai.response.model": "mock-reasoner-1", "gen_ai.provider.name": "mock",
			"openinference.span.kind": "LLM", "llm.model_name": "mock-reasoner-1",
		} {
			if v, ok := a[key].GetValue().(*commonpb.AnyValue_StringValue); !ok || v.StringValue != want {
				t.Errorf("request %s: %s = %v, want the string %q", id, key, a[key], want)
			}
		}
		for key, want := range map[string]int64{
			"gen_ai.usage.input_tokens": tokens[0], "gen_ai.usage.output_tokens": tokens[1],
			"llm.token_count.prompt": tokens[0], "llm.token_count.completion": tokens[1],
			"llm.token_count.total": tokens[0] + tokens[1],
		} {
			if v, ok := a[key].GetValue().(*commonpb.AnyValue_IntValue); !ok || v.IntValue != want {
				t.Errorf("request %s: %s = %v, want the int %d", id, key, a[key], want)
			}
		}
		if r := a["gen_ai.response.finish_reasons"].GetArrayValue(); len(r.GetValues()) != 1 {
			t.Errorf("request %s: finish_reasons %v is not a one-element array", id, a["gen_ai.response.finish_reasons"])
		}
		in := genAIMessages(t, a["gen_ai.input.messages"])
		outMsgs := genAIMessages(t, a["gen_ai.output.messages"])
		if len(outMsgs) != 1 || outMsgs[0]["role"] != "assistant" || outMsgs[0]["finish_reason"] == nil {
			t.Errorf("request %s: output messages %v, want one assistant message with a finish_reason", id, outMsgs)
		}
		if in[0]["role"] != "system" || in[len(in)-1]["role"] == "assistant" {
			t.Errorf("request %s: input messages %v should run from the system prompt to before the reply", id, in)
		}
		for _, attr := range []string{"input.value", "output.value"} {
			if !json.Valid([]byte(a[attr].GetStringValue())) {
				t.Errorf("request %s: %s is not JSON: %v", id, attr, a[attr])
			}
		}
	}
	// The k-th request is the k-th assistant turn: the second asks for
	// search_docs, the third answers.
	second := genAIMessages(t, attrMap(byID[req2ID].Attributes)["gen_ai.output.messages"])
	if parts := second[0]["parts"].([]any); parts[len(parts)-1].(map[string]any)["name"] != "search_docs" {
		t.Errorf("second request's output = %v, want the search_docs call", second)
	}
	third := attrMap(byID[req3ID].Attributes)
	if c := third["llm.output_messages.0.message.content"].GetStringValue(); c != "2+3 is 5 and 4*5 is 20; the hours are unknown." {
		t.Errorf("third request's output content = %q", c)
	}
	if len(genAIMessages(t, third["gen_ai.input.messages"])) != 7 {
		t.Errorf("third request's input should be the 7 messages before the answer")
	}

	// The LLM cell: the whole conversation, no usage of its own (its
	// requests have it), the sum as synthgen.total_tokens.
	cell := attrMap(byID[cellID].Attributes)
	if byID[cellID].Kind != tracepb.Span_SPAN_KIND_INTERNAL || cell["gen_ai.operation.name"].GetStringValue() != "chat" {
		t.Errorf("cell: kind %v, operation %v", byID[cellID].Kind, cell["gen_ai.operation.name"])
	}
	if _, ok := cell["gen_ai.usage.input_tokens"]; ok {
		t.Error("the cell repeats its requests' usage")
	}
	if cell["synthgen.total_tokens"].GetIntValue() != 655 {
		t.Errorf("cell synthgen.total_tokens = %v, want 655", cell["synthgen.total_tokens"])
	}
	if tags := cell["synthgen.tags"].GetArrayValue().GetValues(); len(tags) != 1 || tags[0].GetStringValue() != "tool_error" {
		t.Errorf("cell synthgen.tags = %v", cell["synthgen.tags"])
	}

	// Tool spans: paired with their calls though multiply started first.
	for id, want := range map[string][2]string{mulID: {"multiply", "call_0_2_1"}, addID: {"add", "call_0_2_0"}, docsID: {"search_docs", "call_0_5_0"}} {
		s := byID[id]
		a := attrMap(s.Attributes)
		if s.Name != "execute_tool "+want[0] || a["gen_ai.operation.name"].GetStringValue() != "execute_tool" ||
			a["gen_ai.tool.name"].GetStringValue() != want[0] || a["gen_ai.tool.call.id"].GetStringValue() != want[1] ||
			a["openinference.span.kind"].GetStringValue() != "TOOL" {
			t.Errorf("tool span %s: name %q, attributes %v; want %v", id, s.Name, a, want)
		}
	}
	docs := byID[docsID]
	if docs.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || docs.Status.GetMessage() != "timed out after 200ms" {
		t.Errorf("search_docs status = %v, want ERROR with the error", docs.Status)
	}
	if byID[addID].Status.GetCode() != tracepb.Status_STATUS_CODE_OK {
		t.Errorf("add status = %v, want OK", byID[addID].Status)
	}
	root := attrMap(byID[rootID].Attributes)
	if root["input.value"].GetStringValue() != `{"a":2,"task":"add"}` {
		t.Errorf("root input.value = %v, want the row's metadata", root["input.value"])
	}
}

// genAIMessages decodes a gen_ai.*.messages attribute: a string holding a
// JSON array of {"role", "parts": [{"type", ...}]}.
func genAIMessages(t *testing.T, v *commonpb.AnyValue) []map[string]any {
	t.Helper()
	s, ok := v.GetValue().(*commonpb.AnyValue_StringValue)
	if !ok {
		t.Fatalf("messages attribute %v is not a string", v)
	}
	var msgs []map[string]any
	if err := json.Unmarshal([]byte(s.StringValue), &msgs); err != nil || len(msgs) == 0 {
		t.Fatalf("messages %q: not a JSON array of messages: %v", s.StringValue, err)
	}
	for _, m := range msgs {
		parts, _ := m["parts"].([]any)
		if _, ok := m["role"].(string); !ok || len(parts) == 0 {
			t.Errorf("message %v has no role or parts", m)
		}
		for _, p := range parts {
			typ, _ := p.(map[string]any)["type"].(string)
			if !slices.Contains([]string{"text", "reasoning", "tool_call", "tool_call_response", "uri", "blob"}, typ) {
				t.Errorf("part %v has type %q", p, typ)
			}
		}
	}
	return msgs
}
