package export

import (
	"cmp"
	"slices"
	"strings"

	"github.com/synthgen/synthgen/tracing"
)

// Span run types as the span log writes them (spec/trace-toolkit.md,
// "Spans").
const (
	runChain     = "chain"
	runLLM       = "llm"
	runTool      = "tool"
	runParser    = "parser"
	runEmbedding = "embedding"
)

// spanNode is one span of a record's trace with its place in the tree and,
// for the spans of an LLM cell, the messages it stands for.
type spanNode struct {
	span     *tracing.Span // points into Record.Spans: read only
	parent   *spanNode     // nil for the root
	children []*spanNode   // by start time, then ID
	depth    int

	// cell is the LLM cell the span is or belongs to (nil outside one).
	cell *cellInfo

	// Messages, for an LLM cell and its model requests: input are the
	// messages before the reply (nil: unknown), output the reply (nil:
	// unknown).
	input  []tracing.Message
	output *tracing.Message

	// For a tool span: the call it ran and the tool message answering it
	// (nil: unknown).
	call   *tracing.ToolCall
	result *tracing.Message
}

// cellInfo is what the spans of one LLM cell share.
type cellInfo struct {
	column string
	conv   []tracing.Message // nil when the row kept no trace of the column
	final  int               // index of the final answer in conv, -1 when none
	// finalRequest is the request that produced the final answer (nil when
	// unknown); model and provider are of the cell's requests.
	finalRequest    *spanNode
	model, provider string
	// totalTokens sums the total tokens of the cell's requests, or is the
	// cell span's own when set.
	totalTokens int64
}

// spanTree is a record's spans as a tree. Spans whose parent is not in the
// record (or that sit in a parent cycle) hang under the root; a span whose
// ID repeats an earlier one's is left out, so IDs stay unique.
type spanTree struct {
	root  *spanNode
	order []*spanNode // pre-order: every parent before its children
}

func (n *spanNode) isCell() bool { return n.parent != nil && n.parent.parent == nil }

// isRequest says whether n is a model request: an llm span under an LLM
// cell.
func (n *spanNode) isRequest() bool {
	return n.span.RunType == runLLM && n.parent != nil && n.parent.isCell() && n.parent.span.RunType == runLLM
}

func (n *spanNode) isLLMCell() bool { return n.isCell() && n.span.RunType == runLLM }

// newSpanTree builds the tree of rec.Spans, which must not be empty, and
// matches the spans of every LLM cell to the messages of the cell's
// conversation (matchCell).
func newSpanTree(rec Record) *spanTree {
	nodes := make([]*spanNode, 0, len(rec.Spans))
	byID := make(map[string]*spanNode, len(rec.Spans))
	for i := range rec.Spans {
		s := &rec.Spans[i]
		if _, dup := byID[s.ID]; dup {
			continue
		}
		n := &spanNode{span: s}
		byID[s.ID] = n
		nodes = append(nodes, n)
	}
	root := nodes[0]
	for _, n := range nodes {
		if n.span.ParentID == "" {
			root = n
			break
		}
	}
	for _, n := range nodes {
		if n == root {
			continue
		}
		p := byID[n.span.ParentID]
		if p == nil || p == n {
			p = root
		}
		n.parent = p
		p.children = append(p.children, n)
	}
	t := &spanTree{root: root}
	visited := make(map[*spanNode]bool, len(nodes))
	t.walk(root, visited)
	// Spans in a parent cycle are not reached from the root: hang them
	// under it.
	for _, n := range nodes {
		if visited[n] {
			continue
		}
		old := n.parent
		old.children = slices.DeleteFunc(old.children, func(c *spanNode) bool { return c == n })
		n.parent = root
		root.children = append(root.children, n)
		sortChildren(root)
		t.walk(n, visited)
	}
	for _, n := range t.order {
		if n.isLLMCell() {
			matchCell(rec, n)
		}
	}
	return t
}

func (t *spanTree) walk(n *spanNode, visited map[*spanNode]bool) {
	if visited[n] {
		return
	}
	visited[n] = true
	if n.parent != nil {
		n.depth = n.parent.depth + 1
	}
	t.order = append(t.order, n)
	sortChildren(n)
	for _, c := range n.children {
		t.walk(c, visited)
	}
}

func sortChildren(n *spanNode) {
	slices.SortStableFunc(n.children, func(a, b *spanNode) int {
		if c := a.span.StartTime.Compare(b.span.StartTime); c != 0 {
			return c
		}
		return cmp.Compare(a.span.ID, b.span.ID)
	})
}

// cellColumn is the column of a cell span.
func cellColumn(s *tracing.Span) string {
	if s.Column != "" {
		return s.Column
	}
	return s.Name
}

// conversation returns the trace of column in rec, nil when there is none.
func conversation(rec Record, column string) []tracing.Message {
	if conv, ok := rec.Conversations[column]; ok {
		return conv
	}
	if column == rec.Column {
		return rec.Messages
	}
	return nil
}

// cellOf returns the cell span of column (an LLM cell when there are
// several), nil when the trace has none.
func (t *spanTree) cellOf(column string) *spanNode {
	var found *spanNode
	for _, c := range t.root.children {
		if cellColumn(c.span) != column {
			continue
		}
		if c.span.RunType == runLLM {
			return c
		}
		if found == nil {
			found = c
		}
	}
	return found
}

// pendingCall is a tool call of the conversation waiting for its span.
type pendingCall struct {
	msg     int // index of the assistant message making the call
	call    *tracing.ToolCall
	result  *tracing.Message
	refused bool
	matched bool
}

// matchCell gives the spans of the LLM cell n (and n itself) their messages:
//
//   - the cell: the conversation up to the final answer, and the answer;
//   - tool spans: the calls of the conversation in order, by tool name; a
//     span goes to the first unmatched call of its tool at or after the turn
//     of the previous match, preferring a call whose result agrees with the
//     span on failure ("Error: …"), so the parallel calls of one turn (which
//     finish in any order) still pair up. Refused calls have no span. Two
//     parallel calls to the same tool that both succeeded (or both failed)
//     cannot be told apart and pair in call order;
//   - model requests (the failed ones produced no message and get none):
//     the last request produced the last assistant message (unless the
//     cell restarted and a request failed after it: then the restart
//     dropped its reply), and the request that ended last before a turn's
//     tool spans started produced that turn's calls. Between two such
//     anchors the requests and assistant messages pair in order when their
//     counts agree; when they do not (a restart dropped replies, or the
//     trace keeps only the last message), they get no messages rather than
//     wrong ones.
func matchCell(rec Record, n *spanNode) {
	info := &cellInfo{column: cellColumn(n.span), final: -1}
	info.conv = conversation(rec, info.column)
	for _, c := range n.children {
		c.cell = info
	}
	n.cell = info
	var requests, ok, tools []*spanNode
	for _, c := range n.children {
		switch {
		case c.isRequest():
			requests = append(requests, c)
			if c.span.Error == "" && c.span.Status != tracing.SpanError {
				ok = append(ok, c)
			}
		case c.span.RunType == runTool:
			tools = append(tools, c)
		}
	}
	for _, r := range requests {
		info.totalTokens += totalTokens(r.span)
		if r.span.Model != "" {
			info.model = r.span.Model
		}
		if r.span.Provider != "" {
			info.provider = r.span.Provider
		}
	}
	if n.span.TotalTokens > 0 {
		info.totalTokens = n.span.TotalTokens
	}
	if n.span.Model != "" {
		info.model = n.span.Model
	}
	if n.span.Provider != "" {
		info.provider = n.span.Provider
	}
	conv := info.conv
	if conv == nil {
		return
	}
	info.final = lastAssistant(conv)
	if info.final >= 0 {
		n.input, n.output = conv[:info.final], &conv[info.final]
	} else {
		n.input = conv
	}

	// Tool spans to calls.
	var calls []*pendingCall
	results := tracing.ToolResults(conv)
	for i := range conv {
		m := &conv[i]
		for j := range m.ToolCalls {
			pc := &pendingCall{msg: i, call: &m.ToolCalls[j]}
			if t, ok := results[tracing.CallRef{Msg: i, Call: j}]; ok {
				pc.result = &conv[t]
			}
			pc.refused = pc.result != nil && strings.HasPrefix(text(*pc.result), tracing.ToolRefusedPrefix)
			calls = append(calls, pc)
		}
	}
	turnStart := map[int]*spanNode{} // assistant message → its earliest matched tool span
	minMsg := 0
	for _, ts := range tools {
		failed := ts.span.Error != "" || ts.span.Status == tracing.SpanError
		var pick *pendingCall
		for _, pc := range calls {
			if pc.matched || pc.refused || pc.msg < minMsg || pc.call.Function.Name != ts.span.Name {
				continue
			}
			if pick == nil {
				pick = pc
			}
			if pc.msg != pick.msg {
				break // only within the turn of the first candidate
			}
			if pc.result != nil && strings.HasPrefix(text(*pc.result), tracing.ToolErrorPrefix) == failed {
				pick = pc
				break
			}
		}
		if pick == nil {
			continue
		}
		pick.matched = true
		minMsg = pick.msg
		ts.call, ts.result = pick.call, pick.result
		if first := turnStart[pick.msg]; first == nil || ts.span.StartTime.Before(first.span.StartTime) {
			turnStart[pick.msg] = ts
		}
	}

	// Requests to assistant messages.
	type anchor struct{ msg, req int }
	var anchors []anchor
	for msg, ts := range turnStart {
		r := -1
		for i, q := range ok {
			if !q.span.EndTime.After(ts.span.StartTime) {
				r = i
			}
		}
		if r >= 0 {
			anchors = append(anchors, anchor{msg, r})
		}
	}
	if last := lastOfRole(conv, tracing.RoleAssistant); last >= 0 && len(ok) > 0 && !lastReplyDropped(n, requests, ok[len(ok)-1]) {
		anchors = append(anchors, anchor{last, len(ok) - 1})
	}
	slices.SortStableFunc(anchors, func(a, b anchor) int { return cmp.Compare(a.msg, b.msg) })
	pair := func(msg, req int) {
		q := ok[req]
		q.input, q.output = conv[:msg], &conv[msg]
		if msg == info.final {
			info.finalRequest = q
		}
	}
	prev := anchor{-1, -1}
	for _, a := range append(anchors, anchor{len(conv), len(ok)}) {
		if a.msg == prev.msg || a.req <= prev.req {
			continue // out of order, or a second anchor of a message
		}
		var gap []int
		for i := prev.msg + 1; i < a.msg; i++ {
			if conv[i].Role == tracing.RoleAssistant {
				gap = append(gap, i)
			}
		}
		if len(gap) == a.req-prev.req-1 {
			for k, msg := range gap {
				pair(msg, prev.req+1+k)
			}
		}
		if a.msg < len(conv) {
			pair(a.msg, a.req)
		}
		prev = a
	}
}

// lastReplyDropped says whether the reply of the cell's last successful
// request may be missing from the conversation: the cell restarted (which
// drops the replies since the last tool turn) and a request failed after
// it, ending the cell before a new reply.
func lastReplyDropped(cell *spanNode, requests []*spanNode, lastOK *spanNode) bool {
	if !slices.Contains(cell.span.Tags, tracing.TagRestarted) {
		return false
	}
	for _, r := range requests {
		if r != lastOK && r.span.StartTime.After(lastOK.span.StartTime) {
			return true
		}
	}
	return false
}

// lastOfRole is the index of the last message of role, -1 when none.
func lastOfRole(msgs []tracing.Message, role string) int {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == role {
			return i
		}
	}
	return -1
}

// finalAnswers maps every column of rec with a conversation to the text of
// its final answer (nil when it has none), columns sorted.
func finalAnswers(rec Record) *obj {
	cols := make([]string, 0, len(rec.Conversations)+1)
	for c := range rec.Conversations {
		cols = append(cols, c)
	}
	if _, ok := rec.Conversations[rec.Column]; !ok && rec.Messages != nil {
		cols = append(cols, rec.Column)
	}
	slices.Sort(cols)
	o := &obj{}
	for _, c := range cols {
		conv := conversation(rec, c)
		if i := lastAssistant(conv); i >= 0 {
			o.set(c, text(conv[i]))
		} else {
			o.set(c, nil)
		}
	}
	return o
}
