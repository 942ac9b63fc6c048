package validation

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// Defaults of the remote validator's parameters.
const (
	defaultRemoteTimeout     = 30 * time.Second
	defaultRemoteMaxRetries  = 3
	defaultRemoteBackoff     = 2.0
	defaultRemoteMaxParallel = 4
	maxRetryDelay            = 5 * time.Minute
	maxResponseBytes         = 64 << 20
)

// remoteValidator POSTs {"data": [row, ...]} to an endpoint and reads
// {"data": [result, ...]} back, one result per row.
type remoteValidator struct {
	endpoint string
	// secrets are the parts of endpoint that may be credentials (see
	// urlSecrets), which no error may show.
	secrets    []string
	client     *http.Client
	maxRetries int
	backoff    float64
	// slots bounds the requests of the column in flight at once; a slot is
	// held only during a request, never during a backoff.
	slots chan struct{}
	// sleep waits between attempts (replaced in tests).
	sleep func(ctx context.Context, d time.Duration) error
}

func newRemoteValidator(column string, p *config.RemoteValidatorParams) (*remoteValidator, config.Diagnostics) {
	var diags config.Diagnostics
	errorf := func(key, format string, args ...any) {
		pos, path := p.Meta.At(key)
		diags.Errorf(pos, path, "validation column %q: "+format, append([]any{column}, args...)...)
	}
	if u, err := url.Parse(p.EndpointURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := redactURL(p.EndpointURL) // the query and user info may be credentials
		note := ""
		if shown != p.EndpointURL {
			note = " (query and user info left out)"
		}
		errorf(fieldEndpointURL, "endpoint_url must be an http or https URL, got %q%s", shown, note)
	}
	r := &remoteValidator{
		endpoint:   p.EndpointURL,
		secrets:    urlSecrets(p.EndpointURL),
		maxRetries: defaultRemoteMaxRetries,
		backoff:    defaultRemoteBackoff,
		sleep:      sleepCtx,
	}
	timeout, parallel := defaultRemoteTimeout, defaultRemoteMaxParallel
	if p.Timeout != nil {
		if *p.Timeout <= 0 || math.IsInf(*p.Timeout, 0) || math.IsNaN(*p.Timeout) {
			errorf(fieldTimeout, "timeout must be a positive number of seconds, got %v", *p.Timeout)
		}
		timeout = time.Duration(*p.Timeout * float64(time.Second))
	}
	if p.MaxRetries != nil {
		if *p.MaxRetries < 0 {
			errorf(fieldMaxRetries, "max_retries must be 0 or more, got %d", *p.MaxRetries)
		}
		r.maxRetries = *p.MaxRetries
	}
	if p.RetryBackoff != nil {
		if *p.RetryBackoff < 0 || math.IsInf(*p.RetryBackoff, 0) || math.IsNaN(*p.RetryBackoff) {
			errorf(fieldRetryBackoff, "retry_backoff must be 0 or more, got %v", *p.RetryBackoff)
		}
		r.backoff = *p.RetryBackoff
	}
	if p.MaxParallelRequests != nil {
		if *p.MaxParallelRequests < 1 {
			errorf(fieldMaxParallel, "max_parallel_requests must be at least 1, got %d", *p.MaxParallelRequests)
		}
		parallel = max(*p.MaxParallelRequests, 1)
	}
	if p.OutputSchema != nil && p.OutputSchema.Kind != 0 {
		pos, path := p.Meta.At(fieldOutputSchema)
		diags.Warnf(pos, path, "validation column %q: output_schema is not enforced; "+
			"each result's is_valid and messages are read and other fields dropped", column)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = parallel
	r.client = &http.Client{Timeout: timeout, Transport: transport}
	r.slots = make(chan struct{}, parallel)
	return r, diags
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// retryDelay is the wait before retry number attempt (1, 2, …):
// retry_backoff^attempt seconds.
func (r *remoteValidator) retryDelay(attempt int) time.Duration {
	d := math.Pow(r.backoff, float64(attempt)) * float64(time.Second)
	if d > float64(maxRetryDelay) {
		return maxRetryDelay
	}
	return time.Duration(d)
}

// validate posts one batch. Its errors never show the endpoint's query or
// user info: post builds them from the redacted URL, and redact removes
// whatever else (e.g. a response body quoting the URL) would.
func (r *remoteValidator) validate(ctx context.Context, inputs []any) ([]result, error) {
	results, err := r.attempt(ctx, inputs)
	return results, r.redact(err)
}

func (r *remoteValidator) attempt(ctx context.Context, inputs []any) ([]result, error) {
	req := value.NewMap()
	req.Set("data", inputs)
	payload := []byte(value.CompactJSON(req))

	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if err := r.sleep(ctx, r.retryDelay(attempt)); err != nil {
				return nil, err
			}
		}
		body, retry, err := r.post(ctx, payload)
		if err == nil {
			return parseRemoteResponse(body, len(inputs))
		}
		if !retry || attempt >= r.maxRetries {
			if attempt > 0 {
				return nil, fmt.Errorf("%w (gave up after %d attempts)", err, attempt+1)
			}
			return nil, err
		}
	}
}

// post makes one request; retry reports whether the failure is worth
// another attempt (a connection error, timeout, 429 or 5xx overload).
func (r *remoteValidator) post(ctx context.Context, payload []byte) (body []byte, retry bool, err error) {
	if err := acquire(ctx, r.slots); err != nil {
		return nil, false, err
	}
	defer func() { <-r.slots }()

	where := "POST " + redactURL(r.endpoint)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.endpoint, bytes.NewReader(payload))
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", where, withoutURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, context.Cause(ctx)
		}
		// The *url.Error of http.Client repeats the URL, query included.
		return nil, true, fmt.Errorf("%s: %w", where, withoutURL(err))
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, context.Cause(ctx)
		}
		return nil, true, fmt.Errorf("%s: reading response: %w", where, withoutURL(err))
	}
	if resp.StatusCode/100 != 2 {
		err := fmt.Errorf("%s: %s: %s", where, resp.Status, lastLines(body, 3))
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
			http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return nil, true, err
		}
		return nil, false, err
	}
	return body, false, nil
}

// parseRemoteResponse reads {"data": [result, ...]} with n results.
func parseRemoteResponse(body []byte, n int) ([]result, error) {
	doc, err := value.DecodeJSON(body)
	if err != nil {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	m, ok := doc.(*value.Map)
	if !ok {
		return nil, fmt.Errorf("response is %s, want an object with \"data\"", value.KindOf(doc))
	}
	data, _ := m.Get("data")
	list, ok := data.([]any)
	if !ok {
		return nil, fmt.Errorf("response's \"data\" is %s, want a list of results", value.KindOf(data))
	}
	if len(list) != n {
		return nil, fmt.Errorf("response has %d results for %d rows", len(list), n)
	}
	results := make([]result, n)
	for i, v := range list {
		if results[i], err = parseResult(v); err != nil {
			return nil, fmt.Errorf("response result %d: %w", i+1, err)
		}
	}
	return results, nil
}

// withoutURL strips the *url.Error layers, which quote the full URL, off
// err, keeping their causes.
func withoutURL(err error) error {
	for {
		ue, ok := err.(*url.Error)
		if !ok || ue.Err == nil {
			return err
		}
		err = ue.Err
	}
}

// redactURL drops the query, fragment and user info, which may hold
// credentials, from a URL shown in errors and diagnostics. Text that does
// not parse as a URL is cut at the first ? or # and before the last @.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return redactRawURL(s)
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	if i := strings.LastIndexByte(u.Opaque, '@'); i >= 0 {
		// "user:password@host" without a scheme parses as scheme "user".
		u.Scheme, u.Opaque = "", u.Opaque[i+1:]
	}
	return u.String()
}

// redactRawURL is redactURL for text that is not a URL.
func redactRawURL(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	scheme, rest := "", s
	if i := strings.Index(s, "://"); i >= 0 {
		scheme, rest = s[:i+3], s[i+3:]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	return scheme + rest
}

// minSecretLen is the length from which a part of the URL counts as a
// secret to redact from messages (shorter ones, like page=2, would garble
// them and are no credentials).
const minSecretLen = 4

// urlSecrets returns the parts of an endpoint URL that may be credentials,
// longest first: its user info, username and password, its query, the
// values of its query parameters (as written and decoded) and its
// fragment, those of at least minSecretLen bytes. A validator is only
// built for a URL that parses.
func urlSecrets(endpoint string) []string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil
	}
	var out []string
	add := func(s string) {
		if len(s) >= minSecretLen && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if u.User != nil {
		add(u.User.String())
		add(u.User.Username())
		if pw, ok := u.User.Password(); ok {
			add(pw)
			add(url.PathEscape(pw))
		}
	}
	add(u.RawQuery)
	add(u.Fragment)
	for part := range strings.SplitSeq(u.RawQuery, "&") {
		_, v, _ := strings.Cut(part, "=")
		add(v)
		if dec, err := url.QueryUnescape(v); err == nil {
			add(dec)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return out
}

// redactedError is an error whose message had the endpoint's secrets
// replaced. It does not unwrap (the chain would show them again) but
// matches what the original matched with errors.Is.
type redactedError struct {
	msg  string
	orig error
}

func (e *redactedError) Error() string        { return e.msg }
func (e *redactedError) Is(target error) bool { return errors.Is(e.orig, target) }

// redact returns err, or a *redactedError when its message shows any of
// the endpoint's secrets.
func (r *remoteValidator) redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, s := range r.secrets {
		clean = strings.ReplaceAll(clean, s, "REDACTED")
	}
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, orig: err}
}
