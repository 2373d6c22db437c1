package gopool

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRunsEverything(t *testing.T) {
	p := New(time.Second)
	var n atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		p.Go(func() { n.Add(1); wg.Done() })
	}
	wg.Wait()
	require.EqualValues(t, 1000, n.Load())
}

// goid is the running goroutine's number, from its stack header.
func goid() string {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	return strings.Fields(string(b))[1]
}

// TestReusesGoroutines checks that work handed out one at a time runs on
// one goroutine, and that an idle pool's goroutine ends.
func TestReusesGoroutines(t *testing.T) {
	p := New(300 * time.Millisecond)
	before := runtime.NumGoroutine()
	ids := map[string]bool{}
	done := make(chan string)
	f := func() { done <- goid() }
	p.Go(f)
	ids[<-done] = true
	for i := 0; i < 50; i++ {
		// Hand the work over the way Go does once the goroutine is back
		// waiting (Go would start another one while it is busy).
		require.Eventually(t, func() bool {
			select {
			case p.work <- f:
				return true
			default:
				return false
			}
		}, 5*time.Second, 100*time.Microsecond)
		ids[<-done] = true
	}
	require.Len(t, ids, 1, "sequential work should run on one reused goroutine")
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= before }, 5*time.Second, 10*time.Millisecond,
		"idle goroutines must end")
}
