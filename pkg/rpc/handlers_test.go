package rpc

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHandlerGoroutinesReused: requests one after another are served by
// the same few handler goroutines rather than a new one each; a burst is
// served concurrently; the handler goroutines end with the endpoint.
func TestHandlerGoroutinesReused(t *testing.T) {
	ctx := context.Background()
	base := runtime.NumGoroutine()
	ts := &testServer{started: make(chan struct{}, 8), ended: make(chan error, 8), release: make(chan struct{})}
	srv := listen(t, "tcp", 0, ts.registry())
	cl := listen(t, "tcp", 0, nil)
	call := func() {
		var resp echoMsg
		require.NoError(t, cl.Call(ctx, srv.URI(), opEcho, &echoMsg{Seq: 7}, &resp))
		require.Equal(t, uint64(7), resp.Seq)
	}
	for i := 0; i < 200; i++ {
		call()
	}
	// A handler goroutine may not be back waiting when the next request
	// comes (then another starts), but not one per request.
	assert.LessOrEqual(t, srv.spawned.Load(), int64(20), "handler goroutines started for 200 requests in a row")

	// Requests that wait at once each have a goroutine of their own.
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var resp echoMsg
			assert.NoError(t, cl.Call(ctx, srv.URI(), opBlock, &echoMsg{}, &resp))
		}()
	}
	for i := 0; i < 3; i++ {
		<-ts.started
	}
	close(ts.release)
	wg.Wait()
	assert.GreaterOrEqual(t, srv.spawned.Load(), int64(3), "three requests were blocked at once")

	srv.Close()
	cl.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), base, "goroutines left after the endpoints closed")
}
