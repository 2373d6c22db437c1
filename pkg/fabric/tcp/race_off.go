//go:build !race

package tcp

// See race_on.go.
func raceReleaseIO()       {}
func raceAcquireIO()       {}
func raceWriteIO(b []byte) {}
