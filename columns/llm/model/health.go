package model

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/tracing"
)

// healthMaxTokens bounds the reply of a health check.
const healthMaxTokens = 8

// HealthCheck sends one tiny request ("Say OK", max_tokens 8, the model's
// extra_body) through c. Any failure is returned as an error wrapping
// columns.ErrUnreachable (and the classified *Error) that names the provider
// and its endpoint, never the key. A 400 that rejects max_tokens (some
// reasoning models want max_completion_tokens) is asked once more without it.
func HealthCheck(ctx context.Context, c Client, info *ModelInfo) error {
	maxTokens := healthMaxTokens
	req := &Request{
		Model:     info.Model,
		Messages:  []tracing.Message{tracing.Text(tracing.RoleUser, "Say OK")},
		MaxTokens: &maxTokens,
		ExtraBody: info.ExtraBody,
	}
	_, err := c.Complete(ctx, req)
	if me := (*Error)(nil); errors.As(err, &me) && me.Status == 400 && strings.Contains(me.Message, "max_tokens") {
		req.MaxTokens = nil
		_, err = c.Complete(ctx, req)
	}
	if err == nil {
		return nil
	}
	return &unreachableError{
		msg: fmt.Sprintf("provider %s at %s: health check failed: %v", info.Provider, config.RedactURL(info.BaseURL), err),
		err: err,
	}
}
