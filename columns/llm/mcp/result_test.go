package mcp

import (
	"reflect"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/synthgen/synthgen/tracing"
)

func TestResultBlocks(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G'}
	tests := []struct {
		name string
		give []sdk.Content
		want []tracing.Block
	}{
		{"no content", nil, []tracing.Block{tracing.TextBlock("")}},
		{"text parts joined", []sdk.Content{&sdk.TextContent{Text: "a"}, &sdk.TextContent{Text: "b"}},
			[]tracing.Block{tracing.TextBlock("a\nb")}},
		{"text then images", []sdk.Content{
			&sdk.ImageContent{Data: png, MIMEType: "image/png"},
			&sdk.TextContent{Text: "a chart"},
			&sdk.EmbeddedResource{Resource: &sdk.ResourceContents{URI: "file:///x.png", MIMEType: "image/png", Blob: png}},
		}, []tracing.Block{
			tracing.TextBlock("a chart"),
			tracing.ImageBlock("data:image/png;base64,iVBORw=="),
			tracing.ImageBlock("data:image/png;base64,iVBORw=="),
		}},
		{"image only", []sdk.Content{&sdk.ImageContent{Data: png}},
			[]tracing.Block{tracing.ImageBlock("data:application/octet-stream;base64,iVBORw==")}},
		{"audio and resources as text", []sdk.Content{
			&sdk.AudioContent{Data: []byte("abc"), MIMEType: "audio/wav"},
			&sdk.ResourceLink{URI: "file:///notes.md", Name: "notes", Description: "meeting notes"},
			&sdk.EmbeddedResource{Resource: &sdk.ResourceContents{URI: "file:///a.txt", Text: "inline text"}},
			&sdk.EmbeddedResource{Resource: &sdk.ResourceContents{URI: "file:///a.bin", Blob: []byte{1, 2}}},
		}, []tracing.Block{tracing.TextBlock("[audio: audio/wav, 3 bytes]\n" +
			"[resource link: file:///notes.md (notes)] meeting notes\n" +
			"inline text\n" +
			"[resource file:///a.bin: unknown type, 2 bytes]")}},
	}
	for _, tt := range tests {
		got := resultBlocks(&sdk.CallToolResult{Content: tt.give})
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestToolError(t *testing.T) {
	tests := []struct {
		give []sdk.Content
		want string
	}{
		{[]sdk.Content{&sdk.TextContent{Text: " disk full \n"}}, "disk full"},
		{[]sdk.Content{&sdk.TextContent{Text: "a"}, &sdk.TextContent{Text: "b"}}, "a\nb"},
		{nil, "the tool reported an error without a message"},
	}
	for _, tt := range tests {
		if got := toolError(&sdk.CallToolResult{Content: tt.give, IsError: true}).Error(); got != tt.want {
			t.Errorf("toolError = %q, want %q", got, tt.want)
		}
	}
}
