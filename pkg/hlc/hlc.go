// Package hlc is a hybrid logical clock, the epoch source of DAOS: a
// 64-bit stamp whose high bits are physical time in nanoseconds and whose
// low 18 bits count events within the same physical tick (as DAOS's HLC).
// Every engine and client keeps one; stamps travel in every RPC and a
// receiver's clock moves past what it received, so epochs order causally
// related writes across engines even when their wall clocks differ.
package hlc

import (
	"sync/atomic"
	"time"

	"github.com/daos-go/daos/pkg/daos"
)

// logicalBits is the width of the event counter.
const logicalBits = 18

const logicalMask = 1<<logicalBits - 1

// Clock is a hybrid logical clock; the zero value is ready. Safe for
// concurrent use.
type Clock struct {
	last atomic.Uint64
	// now is the physical clock (tests); nil means time.Now.
	now func() time.Time
}

// New makes a clock reading physical time from now (nil: time.Now).
func New(now func() time.Time) *Clock { return &Clock{now: now} }

func (c *Clock) physical() uint64 {
	t := time.Now()
	if c.now != nil {
		t = c.now()
	}
	return uint64(t.UnixNano()) &^ logicalMask
}

// Now returns a stamp greater than every stamp this clock returned or
// received before.
func (c *Clock) Now() uint64 {
	pt := c.physical()
	for {
		last := c.last.Load()
		next := pt
		if next <= last {
			next = last + 1
		}
		if c.last.CompareAndSwap(last, next) {
			return next
		}
	}
}

// MaxOffset is how far ahead of this clock's physical time a received
// stamp may be. A peer further ahead (a wrong clock, or a forged stamp)
// would drag every clock it talks to forward and stamp writes that hide
// later ones, so its stamps are refused (DAOS's DER_HLC_SYNC).
const MaxOffset = time.Second

// Check refuses a received stamp too far ahead of physical time.
func (c *Clock) Check(received uint64) error {
	if limit := c.physical() + uint64(MaxOffset); received > limit {
		return daos.Errorf(daos.ErrHlcSync, "clock stamp %d is %v ahead of this clock (at most %v accepted)",
			received, time.Duration(received-c.physical()).Round(time.Millisecond), MaxOffset)
	}
	return nil
}

// Update moves the clock past a received stamp and returns the clock's
// new reading (a stamp greater than both). Stamps that Check refuses are
// ignored.
func (c *Clock) Update(received uint64) uint64 {
	if c.Check(received) != nil {
		return c.Now()
	}
	for {
		last := c.last.Load()
		if received <= last {
			return c.Now()
		}
		if c.last.CompareAndSwap(last, received) {
			return c.Now()
		}
	}
}

// Last is the latest stamp given or received, without advancing.
func (c *Clock) Last() uint64 { return c.last.Load() }

// Time is the physical time of a stamp.
func Time(stamp uint64) time.Time { return time.Unix(0, int64(stamp&^logicalMask)) }

// Stamp is the stamp of physical time t with no events counted: what
// records made at t carry (Time's inverse, to the tick).
func Stamp(t time.Time) uint64 { return uint64(t.UnixNano()) &^ logicalMask }
