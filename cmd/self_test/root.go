package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/drivers"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/rpc/selftest"
)

type options struct {
	provider     string
	iface        string
	uri          string
	rawAddr      string
	messageSizes string
	bulkSizes    string
	inflight     string
	reps         int
	bulkMiB      int
	rounds       int
	compareTCP   bool
	push         bool
	inProcess    bool
	serve        bool
	timeout      time.Duration
	profiles     profileFlags
}

func newRoot() *cobra.Command {
	var jsonOut bool
	var o options
	root := cmdutil.NewRoot("self_test", "Measure RPC latency and bulk bandwidth against an echo server", &jsonOut)
	root.Args = cobra.NoArgs
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		stop, err := o.profiles.start()
		if err != nil {
			return err
		}
		defer func() {
			if perr := stop(); perr != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "self_test:", perr)
			}
		}()
		if o.serve {
			return serve(cmd.Context(), o, cmd.InOrStdin(), cmd.OutOrStdout())
		}
		rep, err := measure(cmd.Context(), o)
		if err != nil {
			return err
		}
		return cmdutil.Printer{JSON: &jsonOut, Out: cmd.OutOrStdout()}.Print(rep, func(w io.Writer) error {
			fmt.Fprintf(w, "self_test: provider %s, median of %d rounds\n", o.provider, rep.Rounds)
			return rep.WriteTable(w)
		})
	}
	f := root.Flags()
	f.StringVarP(&o.provider, "provider", "p", "tcp", `fabric provider ("tcp", "ofi+tcp;ofi_rxm", ...)`)
	f.StringVarP(&o.iface, "interface", "i", "127.0.0.1", "fabric interface name or address")
	f.StringVar(&o.uri, "uri", "", "URI of a running echo server (default: start one)")
	f.StringVarP(&o.messageSizes, "message-sizes", "m", "0,64,4k,64k,1m", "ping message sizes, each way")
	f.StringVarP(&o.bulkSizes, "bulk-sizes", "b", "1m,4m,64m", "bulk transfer sizes")
	f.StringVar(&o.inflight, "max-inflight-rpcs", "1,16", "calls kept in flight (a list)")
	f.IntVarP(&o.reps, "repetitions", "r", 2000, "pings per size and round (and most transfers per bulk test)")
	f.IntVar(&o.bulkMiB, "bulk-mib", 256, "MiB moved per bulk test and round")
	f.IntVar(&o.rounds, "rounds", 3, "rounds; each figure is the median over rounds")
	f.BoolVar(&o.compareTCP, "compare-tcp", false, "also measure raw Go TCP (ping-pong and stream copy, the latter also through one buffer per call in flight) and print ratios")
	f.BoolVar(&o.push, "push", false, "also measure bulk push (server writes the caller's memory)")
	f.BoolVar(&o.inProcess, "in-process", false, "run the echo server in this process instead of a second one")
	f.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this long")
	f.BoolVar(&o.serve, "serve", false, "run only the echo server (used by the second process)")
	_ = f.MarkHidden("serve")
	o.profiles.addFlags(root)
	return root
}

// serve runs the echo server and the raw TCP baseline server until in
// closes, after printing their addresses.
func serve(ctx context.Context, o options, in io.Reader, out io.Writer) error {
	ep, raw, err := startServer(ctx, o)
	if err != nil {
		return err
	}
	defer raw.Close()
	defer ep.Close()
	fmt.Fprintf(out, "uri %s\nraw %s\n", ep.URI(), raw.Addr())
	_, _ = io.Copy(io.Discard, in)
	return nil
}

func startServer(ctx context.Context, o options) (*rpc.Endpoint, *selftest.RawServer, error) {
	reg := rpc.NewRegistry()
	if err := selftest.Register(reg); err != nil {
		return nil, nil, err
	}
	ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: o.provider, Interface: o.iface}, Registry: reg})
	if err != nil {
		return nil, nil, fmt.Errorf("start echo server: %w", err)
	}
	ap, err := fabric.ResolveInterface(o.iface)
	if err != nil {
		ep.Close()
		return nil, nil, err
	}
	raw, err := selftest.ServeRaw(ap.String() + ":0")
	if err != nil {
		ep.Close()
		return nil, nil, err
	}
	return ep, raw, nil
}

func measure(ctx context.Context, o options) (selftest.Report, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	plan := selftest.Plan{Reps: o.reps, BulkBytes: int64(o.bulkMiB) << 20, Rounds: o.rounds, Push: o.push}
	var err error
	if plan.MessageSizes, err = selftest.ParseSizes(o.messageSizes); err != nil {
		return selftest.Report{}, fmt.Errorf("--message-sizes: %w", err)
	}
	if plan.BulkSizes, err = selftest.ParseSizes(o.bulkSizes); err != nil {
		return selftest.Report{}, fmt.Errorf("--bulk-sizes: %w", err)
	}
	for _, s := range strings.Split(o.inflight, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return selftest.Report{}, fmt.Errorf("--max-inflight-rpcs: %q is not a positive number", s)
		}
		plan.InFlight = append(plan.InFlight, n)
	}

	target := o.uri
	switch {
	case target != "":
		if o.compareTCP {
			return selftest.Report{}, errors.New("--compare-tcp needs the built-in server (drop --uri)")
		}
	case o.inProcess:
		ep, raw, err := startServer(ctx, o)
		if err != nil {
			return selftest.Report{}, err
		}
		defer raw.Close()
		defer ep.Close()
		target, o.rawAddr = ep.URI().String(), raw.Addr()
	default:
		child, err := startChild(ctx, o)
		if err != nil {
			return selftest.Report{}, err
		}
		defer child.stop()
		target, o.rawAddr = child.uri, child.raw
	}
	to, err := fabric.ParseURI(target)
	if err != nil {
		return selftest.Report{}, err
	}
	if o.compareTCP {
		plan.RawAddr = o.rawAddr
	}
	// The client side is configured as the client library's (pkg/client).
	client, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: o.provider, Interface: o.iface}, Drivers: drivers.Client()})
	if err != nil {
		return selftest.Report{}, err
	}
	defer client.Close()
	return selftest.Execute(ctx, client, to, plan)
}

// child is the echo server running in a second process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	uri   string
	raw   string
}

func startChild(ctx context.Context, o options) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start echo server process: %w", err)
	}
	args := append([]string{"--serve", "--provider", o.provider, "--interface", o.iface}, o.profiles.childArgs()...)
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start echo server process: %w", err)
	}
	c := &child{cmd: cmd, stdin: stdin}
	sc := bufio.NewScanner(stdout)
	for c.uri == "" || c.raw == "" {
		if !sc.Scan() {
			c.stop()
			return nil, errors.New("echo server process exited before saying where it listens")
		}
		k, v, _ := strings.Cut(sc.Text(), " ")
		switch k {
		case "uri":
			c.uri = v
		case "raw":
			c.raw = v
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return c, nil
}

// stop closes the server's input, which ends it, and reaps it (killing it
// if it takes more than 10 s).
func (c *child) stop() {
	_ = c.stdin.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}
