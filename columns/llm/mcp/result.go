package mcp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/synthgen/synthgen/tracing"
)

// resultBlocks converts a successful result: its text parts (and text
// describing audio and resources) joined with "\n" into one text block,
// then one image_url block per image, in result order. A result with
// neither is one empty text block.
func resultBlocks(res *sdk.CallToolResult) []tracing.Block {
	var texts []string
	var images []tracing.Block
	for _, c := range res.Content {
		switch c := c.(type) {
		case *sdk.TextContent:
			texts = append(texts, c.Text)
		case *sdk.ImageContent:
			images = append(images, tracing.ImageBlock(dataURL(c.MIMEType, c.Data)))
		case *sdk.AudioContent:
			texts = append(texts, fmt.Sprintf("[audio: %s, %d bytes]", orUnknown(c.MIMEType), len(c.Data)))
		case *sdk.ResourceLink:
			texts = append(texts, describeLink(c))
		case *sdk.EmbeddedResource:
			r := c.Resource
			switch {
			case r == nil:
			case r.Text != "":
				texts = append(texts, r.Text)
			case strings.HasPrefix(r.MIMEType, "image/") && len(r.Blob) > 0:
				images = append(images, tracing.ImageBlock(dataURL(r.MIMEType, r.Blob)))
			default:
				texts = append(texts, fmt.Sprintf("[resource %s: %s, %d bytes]", r.URI, orUnknown(r.MIMEType), len(r.Blob)))
			}
		}
	}
	if len(texts) == 0 && len(images) > 0 {
		return images
	}
	return append([]tracing.Block{tracing.TextBlock(strings.Join(texts, "\n"))}, images...)
}

// toolError is the error of a result the server marked as an error: its
// text.
func toolError(res *sdk.CallToolResult) error {
	var texts []string
	for _, b := range resultBlocks(res) {
		if b.Type == tracing.BlockText && strings.TrimSpace(b.Text) != "" {
			texts = append(texts, strings.TrimSpace(b.Text))
		}
	}
	if len(texts) == 0 {
		return errors.New("the tool reported an error without a message")
	}
	return errors.New(strings.Join(texts, "\n"))
}

func dataURL(mime string, data []byte) string {
	if mime == "" {
		mime = "application/octet-stream"
	}
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data)
}

func describeLink(l *sdk.ResourceLink) string {
	s := "[resource link: " + l.URI
	if l.Name != "" {
		s += " (" + l.Name + ")"
	}
	s += "]"
	if l.Description != "" {
		s += " " + l.Description
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown type"
	}
	return s
}
