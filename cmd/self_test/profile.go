package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"

	"github.com/spf13/cobra"
)

// profileFlags name the pprof profiles to write. The echo server process
// writes its own next to the client's, with ".server" appended.
type profileFlags struct {
	cpu, mutex, block, trace string
}

func (p *profileFlags) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of this process (and FILE.server of the echo server process)")
	f.StringVar(&p.mutex, "mutexprofile", "", "write a mutex contention profile (and FILE.server)")
	f.StringVar(&p.block, "blockprofile", "", "write a blocking profile (and FILE.server)")
	f.StringVar(&p.trace, "trace", "", "write an execution trace (go tool trace) of this process (and FILE.server)")
}

// childArgs passes the profiles on to the echo server process.
func (p *profileFlags) childArgs() []string {
	var args []string
	for _, f := range []struct{ flag, path string }{
		{"--cpuprofile", p.cpu}, {"--mutexprofile", p.mutex}, {"--blockprofile", p.block}, {"--trace", p.trace},
	} {
		if f.path != "" {
			args = append(args, f.flag, f.path+".server")
		}
	}
	return args
}

// start turns on the profiles asked for; stop writes them.
func (p *profileFlags) start() (stop func() error, err error) {
	var cpu *os.File
	if p.cpu != "" {
		if cpu, err = os.Create(p.cpu); err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
	}
	var tr *os.File
	if p.trace != "" {
		if tr, err = os.Create(p.trace); err == nil {
			if err = trace.Start(tr); err != nil {
				tr.Close()
			}
		}
		if err != nil {
			if cpu != nil {
				pprof.StopCPUProfile()
				cpu.Close()
			}
			return nil, fmt.Errorf("execution trace: %w", err)
		}
	}
	if p.mutex != "" {
		runtime.SetMutexProfileFraction(5)
	}
	if p.block != "" {
		runtime.SetBlockProfileRate(10_000) // one sample per 10 µs blocked
	}
	return func() error {
		var errs []error
		if cpu != nil {
			pprof.StopCPUProfile()
			errs = append(errs, cpu.Close())
		}
		if tr != nil {
			trace.Stop()
			errs = append(errs, tr.Close())
		}
		for _, w := range []struct{ name, path string }{{"mutex", p.mutex}, {"block", p.block}} {
			if w.path == "" {
				continue
			}
			if err := writeProfile(w.name, w.path); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}, nil
}

func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("%s profile: %w", name, err)
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("%s profile: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s profile: %w", name, err)
	}
	return nil
}
