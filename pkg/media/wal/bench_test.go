package wal

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

const benchLogBytes = 64 << 20

// BenchmarkAppend measures durable appends: each op is one record, acknowledged
// only once synced. With parallel=8, eight goroutines append at once and
// group commit shares each sync among them (see the syncs/op metric).
func BenchmarkAppend(b *testing.B) {
	for _, be := range backends() {
		for _, size := range []int{64, 4096} {
			for _, writers := range []int{1, 8} {
				name := fmt.Sprintf("backend=%s/size=%s/parallel=%d", be.name, sizeName(size), writers)
				b.Run(name, func(b *testing.B) { benchAppend(b, be, size, writers) })
			}
		}
	}
}

func sizeName(n int) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%dKiB", n/1024)
	}
	return fmt.Sprintf("%dB", n)
}

func benchAppend(b *testing.B, be backend, size, writers int) {
	l, err := be.create(filepath.Join(be.dir(b), "bench.wal"), benchLogBytes)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	payload := garbage(size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	startCommits := l.commits.Load()
	b.ResetTimer()

	var wg sync.WaitGroup
	var resetMu sync.Mutex
	for w := range writers {
		n := b.N / writers
		if w < b.N%writers {
			n++
		}
		wg.Go(func() {
			for range n {
				if err := appendOrReset(l, payload, &resetMu); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(l.commits.Load()-startCommits)/float64(b.N), "syncs/op")
}

// appendOrReset appends, and on a full log resets it as a checkpoint would.
// resetMu makes one writer do the reset: while the log is full nobody else
// can move NextLSN, so the LSN it reads is still the next one at Reset.
func appendOrReset(l *Log, payload []byte, resetMu *sync.Mutex) error {
	ctx := context.Background()
	_, err := l.Append(ctx, 1, payload)
	if !errors.Is(err, ErrFull) {
		return err
	}
	resetMu.Lock()
	defer resetMu.Unlock()
	if _, err := l.Append(ctx, 1, payload); !errors.Is(err, ErrFull) {
		return err // another writer reset the log meanwhile
	}
	if err := l.Reset(ctx, l.NextLSN()); err != nil {
		return err
	}
	_, err = l.Append(ctx, 1, payload)
	return err
}
