package cmdutil

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
)

// CPUProfile starts a CPU profile of the whole run when the environment
// variable env names a directory, written there as <name>-<pid>.prof, for
// developers measuring the data path across processes; it returns what
// stops it (nothing to stop when env is unset).
func CPUProfile(env, name string) (stop func(), err error) {
	return recordTo(env, name, "prof", pprof.StartCPUProfile, pprof.StopCPUProfile)
}

// ExecTrace is CPUProfile for execution traces (runtime/trace, written as
// <name>-<pid>.trace): where a request waits between goroutines and
// threads, which a CPU profile does not show. Traces grow quickly; meant
// for short runs.
func ExecTrace(env, name string) (stop func(), err error) {
	return recordTo(env, name, "trace", trace.Start, trace.Stop)
}

// recordTo runs start on <name>-<pid>.<ext> in the directory env names,
// if it names one; the returned function stops and closes it.
func recordTo(env, name, ext string, start func(io.Writer) error, stop func()) (func(), error) {
	dir := os.Getenv(env)
	if dir == "" {
		return func() {}, nil
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.%s", name, os.Getpid(), ext)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", env, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", env, err)
	}
	return func() { stop(); f.Close() }, nil
}
