package model

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// Hints of classified errors.
const (
	hintKey           = "check the api_key's environment variable"
	hintModel         = "check the model id and endpoint"
	hintContext       = "the prompt is longer than the model's context window"
	hintQuota         = "the account's quota or credit is exhausted; check the provider's billing"
	hintForbidden     = "the key may not use this model or endpoint"
	hintTimeout       = "raise inference_parameters.timeout if the model is slow"
	hintUnprocessable = "the server rejected the request body; check extra_body and the inference parameters"
)

// classify sorts the failure of one Complete call into an *Error
// (spec/engine.md, "Retries and failures"):
//
//	429                                        rate limited, unless the body says quota/credit/billing: fatal
//	408, 5xx but 501                           transient
//	connection reset/refused/closed, timeouts  transient
//	other 4xx, 501, a malformed 2xx reply      fatal
//	the caller's context is done               fatal, wrapping the context's error
//
// The message is the provider's (error.message of a JSON body, else a short
// excerpt of the body) or the transport error's; the API key is replaced by
// "<redacted>" everywhere, Err included.
func (c *openAIClient) classify(ctx context.Context, err error, x *exchange) *Error {
	e := &Error{Provider: c.ep.Provider, Model: x.model, Err: err}
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr) || errors.As(err, &reqErr):
		e.Status = x.status
		if e.Status == 0 && apiErr != nil {
			e.Status = apiErr.HTTPStatusCode
		} else if e.Status == 0 {
			e.Status = reqErr.HTTPStatusCode
		}
		e.Message = providerMessage(x.body)
		if e.Message == "" && apiErr != nil {
			e.Message = apiErr.Message
		}
		e.RetryAfter = retryAfter(x.header, time.Now())
		e.Kind, e.Hint = classifyStatus(e.Status, strings.ToLower(string(x.body)+" "+e.Message))
	case x.status >= 200 && x.status < 300:
		// A malformed or cut-off 2xx body is a transport problem: retried.
		e.Kind, e.Status = KindTransient, x.status
		e.Message = err.Error()
		if !errors.Is(err, errMalformed) && !strings.HasPrefix(e.Message, "malformed reply") {
			e.Message = "malformed reply: " + e.Message
		}
		if ex := excerpt(x.body); ex != "" {
			e.Message += ": " + ex
		}
	case ctx.Err() != nil:
		e.Kind, e.Message = KindFatal, context.Cause(ctx).Error()
	case isTimeout(err):
		e.Kind, e.Hint = KindTransient, hintTimeout
		e.Message = fmt.Sprintf("no reply within %s", c.timeout())
	case isConnectionError(err):
		e.Kind, e.Message = KindTransient, transportMessage(err)
	default:
		e.Kind, e.Message = KindFatal, transportMessage(err)
	}
	if key := c.ep.APIKey; len(key) >= 4 {
		e.Message = strings.ReplaceAll(e.Message, key, "<redacted>")
		if strings.Contains(err.Error(), key) {
			e.Err = errors.New(strings.ReplaceAll(err.Error(), key, "<redacted>"))
		}
	}
	return e
}

func (c *openAIClient) timeout() time.Duration {
	if c.ep.Timeout > 0 {
		return c.ep.Timeout
	}
	return DefaultTimeout
}

// classifyStatus sorts an HTTP error status; text is the lower-cased body
// and message, searched for quota and context-window wording.
func classifyStatus(status int, text string) (ErrorKind, string) {
	switch {
	case status == http.StatusTooManyRequests:
		if containsAny(text, "insufficient_quota", "quota", "credit", "billing") {
			return KindFatal, hintQuota
		}
		return KindRateLimited, ""
	case status == http.StatusRequestTimeout || (status >= 500 && status != http.StatusNotImplemented):
		return KindTransient, ""
	case status == http.StatusBadRequest:
		if containsAny(text, "context length", "context_length", "context window", "context size",
			"context_size", "maximum context", "prompt is too long", "too many tokens") {
			return KindFatal, hintContext
		}
		return KindFatal, ""
	case status == http.StatusUnauthorized:
		return KindFatal, hintKey
	case status == http.StatusForbidden:
		return KindFatal, hintForbidden
	case status == http.StatusNotFound:
		return KindFatal, hintModel
	case status == http.StatusUnprocessableEntity:
		return KindFatal, hintUnprocessable
	}
	return KindFatal, ""
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// providerMessage is the message of an error body: error.message, error
// (a string), message or detail of a JSON body; else a short excerpt.
func providerMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(v.Error, &inner) == nil && inner.Message != "":
			return clip(inner.Message)
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			return clip(s)
		case v.Message != "":
			return clip(v.Message)
		case json.Unmarshal(v.Detail, &s) == nil && s != "":
			return clip(s)
		}
	}
	return excerpt(body)
}

var (
	htmlTag = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>|<[^>]*>`)
	spaces  = regexp.MustCompile(`\s+`)
)

// excerpt is a body shortened for a message: tags removed, whitespace
// collapsed, at most maxExcerpt characters.
func excerpt(body []byte) string {
	s := string(body)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	if strings.Contains(s, "<") && strings.Contains(s, ">") {
		s = htmlTag.ReplaceAllString(s, " ")
	}
	return clip(strings.TrimSpace(spaces.ReplaceAllString(s, " ")))
}

const maxExcerpt = 300

func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxExcerpt {
		return s
	}
	r := []rune(s)
	return string(r[:maxExcerpt]) + "…"
}

// retryAfter reads Retry-After-Ms, then Retry-After (seconds or an HTTP
// date); 0 when absent, invalid or in the past.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if ms, err := strconv.ParseFloat(strings.TrimSpace(h.Get("Retry-After-Ms")), 64); err == nil && ms > 0 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Duration(max(s, 0) * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// isConnectionError reports a failure of the connection itself: refused,
// reset, closed before the reply, or another network error (a DNS failure
// included). A bad URL is not one.
func isConnectionError(err error) bool {
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		err = ue.Err // *url.Error is a net.Error whatever it wraps
	}
	var ne net.Error
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne)
}

// transportMessage drops the "Post "url": " prefix of a *url.Error.
func transportMessage(err error) string {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, `": `); ok && strings.HasPrefix(msg, "Post ") {
		return rest
	}
	return msg
}
