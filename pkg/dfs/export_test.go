package dfs

import "time"

// Test hooks: stop renames across directories after a step, as a crash
// would, and move a mount's clock.
var ErrStopped = errStopped

func StopRenamesAfter(fs *FS, step int)       { fs.stopAfter = moveStep(step) }
func SetClock(fs *FS, clock func() time.Time) { fs.clock = clock }

const MarkLease = markLease
