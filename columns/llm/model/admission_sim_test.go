package model

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// capacityServer simulates a model server that serves capacity requests at
// once, each for a service time. Above its capacity it answers 429 at once
// with Retry-After (the mock server sends the mean latency) or, queueing,
// makes requests wait first come first served (as vLLM does), so that a
// client sees service time + queue wait.
type capacityServer struct {
	capacity   int
	service    func() time.Duration
	mean       time.Duration
	retryAfter time.Duration
	queueing   bool

	mu    sync.Mutex
	busy  int
	queue []chan struct{}
	done  []simReply
}

type simReply struct {
	sent, at time.Time
}

func (c *capacityServer) Complete(ctx context.Context, req *Request) (*Response, error) {
	sent := time.Now()
	c.mu.Lock()
	d := c.service()
	if c.busy >= c.capacity {
		if !c.queueing {
			c.mu.Unlock()
			return nil, &Error{Kind: KindRateLimited, Status: 429, Provider: "sim", Model: "m", RetryAfter: c.retryAfter}
		}
		ch := make(chan struct{})
		c.queue = append(c.queue, ch)
		c.mu.Unlock()
		<-ch // handed a busy slot by a request that finished
	} else {
		c.busy++
		c.mu.Unlock()
	}
	time.Sleep(d)
	c.mu.Lock()
	if len(c.queue) > 0 {
		close(c.queue[0])
		c.queue = c.queue[1:]
	} else {
		c.busy--
	}
	c.done = append(c.done, simReply{sent: sent, at: time.Now()})
	c.mu.Unlock()
	return &Response{}, nil
}

// simResult is what a simulation measured after its warm-up.
type simResult struct {
	throughput float64       // replies per second
	p99        time.Duration // of the requests sent after the warm-up
	meanLimit  float64       // the limit, averaged over time
	finalLimit int
}

// simulate drives the server through Slots s with more requests than s's
// max for d, and measures from warmUp on.
func simulate(t *testing.T, s *Slots, srv *capacityServer, workers int, warmUp, d time.Duration) simResult {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	c := WithRetries(WithSlots(srv, s), DefaultRetry)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				c.Complete(ctx, &Request{})
			}
		})
	}
	var limits []int
	wg.Go(func() {
		tick := time.NewTicker(srv.mean / 10)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				if now.Sub(start) >= warmUp {
					limits = append(limits, s.Limit())
				}
			}
		}
	})
	wg.Wait()
	from, to := start.Add(warmUp), start.Add(d)
	var r simResult
	var lat []time.Duration
	n := 0
	for _, x := range srv.done {
		if !x.at.Before(from) && x.at.Before(to) {
			n++
		}
		if !x.sent.Before(from) && x.at.Before(to) {
			lat = append(lat, x.at.Sub(x.sent))
		}
	}
	r.throughput = float64(n) / to.Sub(from).Seconds()
	slices.Sort(lat)
	if len(lat) > 0 {
		r.p99 = lat[int(math.Ceil(0.99*float64(len(lat))))-1]
	}
	sum := 0
	for _, l := range limits {
		sum += l
	}
	r.meanLimit = float64(sum) / float64(max(len(limits), 1))
	r.finalLimit = s.Limit()
	return r
}

func fixed(d time.Duration) func() time.Duration { return func() time.Duration { return d } }

// jittered draws service times uniformly in mean ± 20%.
func jittered(mean time.Duration, seed uint64) func() time.Duration {
	r := rand.New(rand.NewPCG(seed, seed))
	return func() time.Duration { return time.Duration(float64(mean) * (0.8 + 0.4*r.Float64())) }
}

// lognormal draws service times with the given mean and σ of the log.
func lognormal(mean time.Duration, sigma float64, seed uint64) func() time.Duration {
	r := rand.New(rand.NewPCG(seed, seed))
	mu := math.Log(mean.Seconds()) - sigma*sigma/2
	return func() time.Duration { return time.Duration(math.Exp(mu+sigma*r.NormFloat64()) * float64(time.Second)) }
}

// TestSimulationNoQueueNoBackOff: a server without a capacity limit, whose
// latencies vary a lot (lognormal, σ 0.5) and double half-way through (a
// slower model, not a queue): the latency signal must not cost throughput —
// the limit stays at its max.
func TestSimulationNoQueueNoBackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit, mean = 64, time.Second
		start := time.Now()
		draw := lognormal(mean, 0.5, 4)
		service := func() time.Duration {
			if time.Since(start) > 300*mean {
				return 2 * draw()
			}
			return draw()
		}
		srv := &capacityServer{capacity: math.MaxInt, service: service, mean: mean}
		s := NewSlots(limit, DefaultAdmission)
		r := simulate(t, s, srv, 2*limit, 350*mean, 1000*mean)
		ratio := r.throughput / (limit / (2 * mean).Seconds())
		t.Logf("after the slow-down: throughput %.1f%% of max/latency, mean limit %.1f (max %d)", 100*ratio, r.meanLimit, limit)
		if r.meanLimit < 0.95*limit || ratio < 0.95 {
			t.Errorf("mean limit %.1f, throughput %.1f%%: the latency signal backed off from a server that does not queue", r.meanLimit, 100*ratio)
		}
	})
}

// TestSimulationRateLimitedServer: a server of capacity C that answers 429
// above it, a client with 4C slots: the limit settles near C and the
// throughput is at least 90% of C ÷ latency.
func TestSimulationRateLimitedServer(t *testing.T) {
	const c, service = 16, time.Second
	tests := []struct {
		name    string
		service func() time.Duration
	}{
		{"fixed latency", fixed(service)},
		{"latency ±20%", jittered(service, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := &capacityServer{capacity: c, service: tt.service, mean: service, retryAfter: service}
				s := NewSlots(4*c, DefaultAdmission)
				r := simulate(t, s, srv, 8*c, 100*service, 1100*service)
				ratio := r.throughput / (c / service.Seconds())
				t.Logf("throughput %.1f%% of C/latency, mean limit %.1f, final limit %d (C = %d)", 100*ratio, r.meanLimit, r.finalLimit, c)
				if ratio < 0.9 {
					t.Errorf("throughput %.1f%% of C/latency, want ≥ 90%%", 100*ratio)
				}
				if r.meanLimit < 0.8*c || r.meanLimit > 1.1*c {
					t.Errorf("mean limit %.1f, want near C = %d", r.meanLimit, c)
				}
			})
		})
	}
}

// TestSimulationQueueingServer: a server of capacity C that queues above it
// first come, first served (latency = service time + queue wait), a client
// with 8C slots. With the latency signal, after convergence the throughput
// is at least 95% of C ÷ mean service time and p99 latency at most 1.5 ×
// its value at the knee (the p99 of the service time alone). Without it,
// the limit stays at 8C: the throughput is the same, but every request
// waits behind 7C others — p99 is 8 × the service time, and a cancelled run
// has 8C requests in flight to drain.
func TestSimulationQueueingServer(t *testing.T) {
	const service = time.Second
	tests := []struct {
		name    string
		c       int
		service func() time.Duration
	}{
		{"C=16 fixed", 16, fixed(service)},
		{"C=16 ±20%", 16, jittered(service, 2)},
		{"C=4 fixed", 4, fixed(service)},
		{"C=64 ±20%", 64, jittered(service, 2)},
		{"C=64 lognormal σ 0.5", 64, lognormal(service, 0.5, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := &capacityServer{capacity: tt.c, service: tt.service, mean: service, queueing: true}
				s := NewSlots(8*tt.c, DefaultAdmission)
				r := simulate(t, s, srv, 16*tt.c, 200*service, 1200*service)
				ratio := r.throughput / (float64(tt.c) / service.Seconds())
				kneeP99 := p99Of(tt.service)
				p99 := float64(r.p99) / float64(kneeP99)
				t.Logf("throughput %.1f%% of C/service, p99 %.2f × knee p99 (%v), mean limit %.1f, final limit %d (C = %d)",
					100*ratio, p99, kneeP99, r.meanLimit, r.finalLimit, tt.c)
				if ratio < 0.95 {
					t.Errorf("throughput %.1f%% of C/service, want ≥ 95%%", 100*ratio)
				}
				if p99 > 1.5 {
					t.Errorf("p99 %.2f × the knee's, want ≤ 1.5", p99)
				}
			})
		})
	}
	t.Run("latency signal off", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			const c = 16
			srv := &capacityServer{capacity: c, service: fixed(service), mean: service, queueing: true}
			p := DefaultAdmission
			p.LatencySignal = false
			s := NewSlots(8*c, p)
			r := simulate(t, s, srv, 16*c, 200*service, 600*service)
			t.Logf("throughput %.1f%% of C/service, p99 %v, limit %d", 100*r.throughput/c, r.p99, r.finalLimit)
			if r.finalLimit != 8*c || r.meanLimit != 8*c {
				t.Errorf("limit %d (mean %.1f), want 8C = %d throughout", r.finalLimit, r.meanLimit, 8*c)
			}
			if r.p99 < 7*service {
				t.Errorf("p99 %v: the queue should be 8C deep", r.p99)
			}
		})
	})
}

// p99Of samples a service-time distribution's 99th percentile.
func p99Of(service func() time.Duration) time.Duration {
	s := make([]time.Duration, 10000)
	for i := range s {
		s[i] = service()
	}
	slices.Sort(s)
	return s[len(s)*99/100-1]
}
