package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// orderFormat is the order.placed event the load generator posts: one
// digital item, a buyer with name, phone, time zone and consent, as in the
// README. %[1]s is the run, %[2]d the order number, %[3]s the time.
const orderFormat = `{"id":"evt-%[1]s-%[2]d","type":"order.placed","occurred_at":"%[3]s",` +
	`"customer":{"email":"buyer%[2]d.%[1]s@shop%[4]d.example","name":"Ana Lima","phone":"+1555%07[2]d",` +
	`"timezone":"America/New_York","marketing_consent":true},` +
	`"order":{"id":"%[1]s-%[2]d","currency":"USD","total":"49.00",` +
	`"items":[{"sku":"course-101","name":"Launch Course","kind":"digital","quantity":1,"price":"49.00",` +
	`"access_url":"https://shop.example/access/%[1]s-%[2]d"}]}}`

// Orders makes distinct order.placed events (each a new buyer and order).
type Orders struct {
	run string
	at  string
	n   atomic.Int64
}

func newOrders() *Orders {
	b := make([]byte, 4)
	rand.Read(b)
	return &Orders{run: hex.EncodeToString(b), at: time.Now().UTC().Format(time.RFC3339)}
}

// Next returns the next event's JSON.
func (o *Orders) Next() []byte {
	n := o.n.Add(1)
	return fmt.Appendf(nil, orderFormat, o.run, n, o.at, n%50)
}

// Poster posts events to one or more servers, round-robin, over keep-alive
// connections.
type Poster struct {
	client *http.Client
	urls   []string
	next   atomic.Uint64
}

func newPoster(urls []string, clients int) *Poster {
	tr := &http.Transport{
		MaxIdleConns:        clients * 2 * len(urls),
		MaxIdleConnsPerHost: clients * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &Poster{client: &http.Client{Transport: tr, Timeout: 2 * time.Minute}, urls: urls}
}

// Post sends one event and returns the status code.
func (p *Poster) Post(ctx context.Context, body []byte) (int, error) {
	u := p.urls[int(p.next.Add(1)-1)%len(p.urls)]
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u+"/api/v1/events", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Close closes idle connections.
func (p *Poster) Close() { p.client.CloseIdleConnections() }

// LoadResult is what a load run saw.
type LoadResult struct {
	OK         int         // answers 202
	Errors     int         // anything else
	Codes      map[int]int // answers by status code (0: no answer)
	FirstError string
	Latencies  Durations // of the 202 answers, sorted
	Start      time.Time // start of the measured window
	End        time.Time // the last answer of the window
	Behind     time.Duration
}

// Rate is the 202 answers per second of the window.
func (r *LoadResult) Rate() float64 {
	if d := r.End.Sub(r.Start); d > 0 {
		return float64(r.OK) / d.Seconds()
	}
	return 0
}

type loadRecorder struct {
	mu  sync.Mutex
	res LoadResult
}

func (l *loadRecorder) record(code int, err error, lat time.Duration, done time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := &l.res
	if r.Codes == nil {
		r.Codes = map[int]int{}
	}
	r.Codes[code]++
	if done.After(r.End) {
		r.End = done
	}
	if err == nil && code == http.StatusAccepted {
		r.OK++
		r.Latencies = append(r.Latencies, lat)
		return
	}
	r.Errors++
	if r.FirstError == "" {
		if err != nil {
			r.FirstError = err.Error()
		} else {
			r.FirstError = fmt.Sprintf("HTTP %d", code)
		}
	}
}

func (l *loadRecorder) result() *LoadResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.res
	r.Latencies.Sort()
	return &r
}

// ClosedLoop runs clients that each post the next event as soon as the
// previous answer came, for warmup (not recorded) and then duration. The
// requests started in the window count; the window ends with the last
// answer to them.
func ClosedLoop(ctx context.Context, p *Poster, next func() []byte, clients int, warmup, duration time.Duration) *LoadResult {
	rec := &loadRecorder{}
	from := time.Now().Add(warmup)
	until := from.Add(duration)
	rec.res.Start, rec.res.End = from, from
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				body := next()
				t0 := time.Now()
				if !t0.Before(until) {
					return
				}
				code, err := p.Post(ctx, body)
				done := time.Now()
				if t0.Before(from) {
					continue
				}
				if ctx.Err() != nil {
					return
				}
				rec.record(code, err, done.Sub(t0), done)
			}
		}()
	}
	wg.Wait()
	return rec.result()
}

// Paced posts total events spread evenly over the period from start on
// (an offered rate of total/over), with at most clients requests in
// flight: when every client is busy the schedule slips, and Behind says by
// how much at most. The window ends with the last answer.
func Paced(ctx context.Context, p *Poster, next func() []byte, clients, total int, over time.Duration, start time.Time) *LoadResult {
	rec := &loadRecorder{}
	rec.res.Start, rec.res.End = start, start
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				body := next()
				t0 := time.Now()
				code, err := p.Post(ctx, body)
				done := time.Now()
				if ctx.Err() != nil {
					return
				}
				rec.record(code, err, done.Sub(t0), done)
			}
		}()
	}
	var behind time.Duration
	for i := 0; i < total && ctx.Err() == nil; i++ {
		due := start.Add(time.Duration(float64(over) * float64(i) / float64(total)))
		if wait := time.Until(due); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
		select {
		case <-ctx.Done():
		case jobs <- struct{}{}:
			behind = max(behind, time.Since(due))
		}
	}
	close(jobs)
	wg.Wait()
	r := rec.result()
	r.Behind = behind
	return r
}
