package cmdutil

import (
	"fmt"
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
	dir := os.Getenv(env)
	if dir == "" {
		return func() {}, nil
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.prof", name, os.Getpid())))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", env, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", env, err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// ExecTrace is CPUProfile for execution traces (runtime/trace, written as
// <name>-<pid>.trace): where a request waits between goroutines and
// threads, which a CPU profile does not show. Traces grow quickly; meant
// for short runs.
func ExecTrace(env, name string) (stop func(), err error) {
	dir := os.Getenv(env)
	if dir == "" {
		return func() {}, nil
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.trace", name, os.Getpid())))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", env, err)
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", env, err)
	}
	return func() { trace.Stop(); f.Close() }, nil
}
