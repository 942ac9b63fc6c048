package tracing

// Roles of the messages of a conversation.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Block types.
const (
	BlockText     = "text"
	BlockImageURL = "image_url"
)

// ToolCallFunction is the only tool call type.
const ToolCallFunction = "function"

// EmptyArguments is the arguments string of a tool call sent without arguments.
const EmptyArguments = "{}"

// Message is one message of a conversation and one element of a trace.
//
// Content is always a list of blocks in JSON; a Message with no blocks is
// written as one empty text block. ReasoningContent, ToolCalls and ToolCallID
// are written only when non-empty. A Message is a value: the functions of
// this package never mutate the slices of the messages they are given, and
// callers must not mutate the slices of messages they handed on either.
type Message struct {
	Role             string
	Content          []Block
	ReasoningContent string
	ToolCalls        []ToolCall
	ToolCallID       string
}

// Block is one content block: a text block (Type "text", Text) or an image
// block (Type "image_url", ImageURL). A Block with an empty Type is a text
// block, or an image block when ImageURL is set.
type Block struct {
	Type     string
	Text     string
	ImageURL *ImageURL
}

// ImageURL is the image of an image_url block: an http(s) or data: URL.
type ImageURL struct {
	URL string
}

// ToolCall is one tool call of an assistant message. An empty Type is
// written as "function"; empty (or whitespace-only) Arguments as "{}".
type ToolCall struct {
	ID       string
	Type     string
	Function FunctionCall
}

// FunctionCall names the tool and holds its arguments as the provider sent
// them: a JSON string, not a decoded object.
type FunctionCall struct {
	Name      string
	Arguments string
}

// Text returns a message of the role whose content is one text block holding
// s (the empty string included).
func Text(role, s string) Message {
	return Message{Role: role, Content: []Block{TextBlock(s)}}
}

// ToolResult returns the tool message answering the call with id callID.
func ToolResult(callID, text string) Message {
	m := Text(RoleTool, text)
	m.ToolCallID = callID
	return m
}

// TextBlock returns a text block.
func TextBlock(s string) Block { return Block{Type: BlockText, Text: s} }

// ImageBlock returns an image_url block for url (http(s) or data: URL).
func ImageBlock(url string) Block {
	return Block{Type: BlockImageURL, ImageURL: &ImageURL{URL: url}}
}
