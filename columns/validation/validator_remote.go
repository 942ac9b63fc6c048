package validation

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
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
	endpoint   string
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
		errorf(fieldEndpointURL, "endpoint_url must be an http or https URL, got %q", p.EndpointURL)
	}
	r := &remoteValidator{
		endpoint:   p.EndpointURL,
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

func (r *remoteValidator) validate(ctx context.Context, inputs []any) ([]result, error) {
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
		return nil, false, fmt.Errorf("%s: %w", where, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, context.Cause(ctx)
		}
		return nil, true, fmt.Errorf("%s: %w", where, err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, context.Cause(ctx)
		}
		return nil, true, fmt.Errorf("%s: reading response: %w", where, err)
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

// redactURL drops the query and user info, which may hold credentials, from
// a URL shown in errors.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "endpoint"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
