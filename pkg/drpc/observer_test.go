package drpc

import (
	"sync"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/drpc/drpcpb"
)

type observed struct {
	module Module
	method Method
	status drpcpb.Status
}

type recorder struct {
	mu    sync.Mutex
	calls []observed
}

func (r *recorder) ObserveCall(module Module, method Method, status drpcpb.Status, elapsed time.Duration) {
	if elapsed < 0 {
		panic("negative elapsed time")
	}
	r.mu.Lock()
	r.calls = append(r.calls, observed{module, method, status})
	r.mu.Unlock()
}

func TestObserverSeesEveryCall(t *testing.T) {
	rec := &recorder{}
	s := startServerWith(t, ServerOptions{Observer: rec})
	c := NewClient(s.Path(), 0)
	defer c.Close()
	ctx := testCtx(t)
	for range 3 {
		if _, err := c.Call(ctx, testModule, echo, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = c.Call(ctx, testModule, fail, nil)
	_, _ = c.Call(ctx, testModule, 99, nil)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	want := []observed{
		{testModule, echo, drpcpb.Status_SUCCESS},
		{testModule, echo, drpcpb.Status_SUCCESS},
		{testModule, echo, drpcpb.Status_SUCCESS},
		{testModule, fail, drpcpb.Status_FAILURE},
		{testModule, 99, drpcpb.Status_UNKNOWN_METHOD},
	}
	if len(rec.calls) != len(want) {
		t.Fatalf("observed %v, want %v", rec.calls, want)
	}
	for i := range want {
		if rec.calls[i] != want[i] {
			t.Errorf("call %d: observed %v, want %v", i, rec.calls[i], want[i])
		}
	}
}
