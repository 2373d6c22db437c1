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
	return recordTo(env, name, "prof", CPUProfileTo)
}

// ExecTrace is CPUProfile for execution traces (runtime/trace, written as
// <name>-<pid>.trace): where a request waits between goroutines and
// threads, which a CPU profile does not show. Traces grow quickly; meant
// for short runs.
func ExecTrace(env, name string) (stop func(), err error) {
	return recordTo(env, name, "trace", TraceTo)
}

// CPUProfileTo starts a CPU profile written to path; the returned function
// stops it and closes the file.
func CPUProfileTo(path string) (stop func() error, err error) {
	return recordFile(path, "cpu profile", pprof.StartCPUProfile, pprof.StopCPUProfile)
}

// TraceTo starts an execution trace written to path; the returned
// function stops it and closes the file.
func TraceTo(path string) (stop func() error, err error) {
	return recordFile(path, "execution trace", trace.Start, trace.Stop)
}

func recordFile(path, what string, start func(io.Writer) error, stop func()) (func() error, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return func() error { stop(); return f.Close() }, nil
}

// recordTo runs to on <name>-<pid>.<ext> in the directory env names, if
// it names one.
func recordTo(env, name, ext string, to func(path string) (func() error, error)) (func(), error) {
	dir := os.Getenv(env)
	if dir == "" {
		return func() {}, nil
	}
	stop, err := to(filepath.Join(dir, fmt.Sprintf("%s-%d.%s", name, os.Getpid(), ext)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", env, err)
	}
	return func() { _ = stop() }, nil
}
