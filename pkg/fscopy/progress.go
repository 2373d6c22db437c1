package fscopy

import (
	"fmt"
	"strings"
	"time"

	"github.com/daos-go/daos/pkg/pretty"
)

// barWidth is the bar's length in characters.
const barWidth = 30

// progressBar redraws a bar on o.Progress until the returned function is
// called, which draws the last state and ends the line.
func (c *copier) progressBar(totalBytes uint64, totalItems int) func() {
	w := c.o.Progress
	if w == nil {
		return func() {}
	}
	draw := func() {
		done := uint64(c.doneBytes.Load())
		frac := 1.0
		if totalBytes > 0 {
			frac = min(1, float64(done)/float64(totalBytes))
		}
		n := int(frac * barWidth)
		fmt.Fprintf(w, "\r[%s%s] %3.0f%%  %s / %s  %d/%d entries",
			strings.Repeat("=", n), strings.Repeat(" ", barWidth-n), 100*frac,
			pretty.Bytes(done), pretty.Bytes(totalBytes), c.doneItems.Load(), totalItems)
	}
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				draw()
			case <-stop:
				return
			}
		}
	}()
	return func() {
		close(stop)
		<-finished
		draw()
		fmt.Fprintln(w)
	}
}
