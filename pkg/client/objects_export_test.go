package client

// SetListObjectsBatch makes ListObjects ask for n ids at a time, so tests
// walk the anchors; the returned func restores the batch.
func SetListObjectsBatch(n uint32) func() {
	old := listObjectsBatch
	listObjectsBatch = n
	return func() { listObjectsBatch = old }
}
