package fabrictest

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// NoLeaks records the number of goroutines now and registers a cleanup
// that fails t if more remain once the test's other cleanups ran. Teardown
// may take a moment (goroutines exit after their connections close), so it
// waits up to 10 s before failing and printing the stacks.
func NoLeaks(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		var n int
		for i := 0; i < 1000; i++ {
			if n = runtime.NumGoroutine(); n <= before {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("goroutine leak: %d running, %d before the test\n%s", n, before, strings.TrimSpace(string(buf)))
	})
}
