// Command daos_perf measures a pool's object I/O from one client, as
// DAOS's daos_perf does: it writes and reads dkeys x akeys x records of a
// given size on a few objects with a number of operations in flight, and
// prints bandwidth, IOPS and latency percentiles for each step. It reaches
// the system through daos_agent, like the daos tool, and works in a
// container of its own that it removes at the end (or in the one given).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/client/agentclient"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

func main() { cmdutil.Main(newRoot()) }

type options struct {
	pool, cont, sys, typ, class, steps, size string
	objects                                  int
	w                                        workload
	timeout                                  time.Duration
	json                                     bool
}

// maxOps bounds one step, so a typo in a count cannot run for days.
const maxOps = 100_000_000

func newRoot() *cobra.Command {
	o := &options{}
	root := cmdutil.NewRoot("daos_perf", "Measure object I/O bandwidth, IOPS and latency against a pool", &o.json)
	root.Args = cobra.NoArgs
	root.Long = `daos_perf writes and reads objects x dkeys x akeys x records values of
-s bytes each, with -C operations in flight, and prints each step of -R:
U updates, F fetches, V fetches and checks what was written; ";p" prints
the step ("U;p F;p"). Values are single values, one akey per record, or
with -A array records of one akey. It connects through daos_agent.`
	f := root.Flags()
	f.StringVarP(&o.pool, "pool", "P", "", "pool label or UUID (required)")
	f.StringVarP(&o.cont, "cont", "c", "", "existing container to use (default: a temporary one)")
	f.StringVarP(&o.sys, "sys-name", "G", "", "DAOS system name (default: the agent's)")
	f.StringVarP(&o.typ, "type", "T", "daos", "what to measure: daos (the pool through the engines)")
	f.StringVarP(&o.class, "oclass", "O", "SX", "object class")
	f.IntVarP(&o.w.credits, "credits", "C", 16, "operations in flight")
	f.IntVarP(&o.objects, "objects", "o", 1, "objects")
	f.IntVarP(&o.w.dkeys, "dkeys", "d", 1, "dkeys per object")
	f.IntVarP(&o.w.akeys, "akeys", "a", 1, "akeys per dkey")
	f.IntVarP(&o.w.records, "records", "r", 1000, "records per akey")
	f.StringVarP(&o.size, "size", "s", "4K", "value size in bytes (K, M suffixes: powers of 1024)")
	f.BoolVarP(&o.w.array, "array", "A", false, "array records instead of single values")
	f.StringVarP(&o.steps, "ops", "R", "U;p F;p", `steps: U (update), F (fetch), V (verify), ";p" to print`)
	f.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up after this long")
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		steps, err := o.check()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
		defer cancel()
		var out io.Writer = cmd.OutOrStdout()
		if o.json {
			out = io.Discard
		}
		results, err := o.run(ctx, steps, out)
		if o.json && err == nil {
			return cmdutil.WriteJSON(cmd.OutOrStdout(), results, nil)
		}
		return err
	}
	return root
}

// check validates the flags before anything connects.
func (o *options) check() ([]step, error) {
	if o.pool == "" {
		return nil, fmt.Errorf("-P/--pool: a pool label or UUID is required")
	}
	if o.typ != "daos" {
		return nil, fmt.Errorf("-T/--type %q: only daos is supported (a target's store alone is measured by `ci/bench.sh vos`)", o.typ)
	}
	if placement.Name2ID(o.class) == 0 {
		return nil, fmt.Errorf("-O/--oclass %q: unknown object class", o.class)
	}
	size, err := parseSize(o.size)
	if err != nil {
		return nil, err
	}
	o.w.size = size
	for _, c := range []struct {
		flag string
		v    int
	}{{"-C/--credits", o.w.credits}, {"-o/--objects", o.objects}, {"-d/--dkeys", o.w.dkeys},
		{"-a/--akeys", o.w.akeys}, {"-r/--records", o.w.records}} {
		if c.v < 1 {
			return nil, fmt.Errorf("%s %d: must be at least 1", c.flag, c.v)
		}
	}
	if total := int64(o.objects) * int64(o.w.dkeys) * int64(o.w.akeys) * int64(o.w.records); total > maxOps {
		return nil, fmt.Errorf("%d operations per step: more than %d", total, maxOps)
	}
	return parseSteps(o.steps)
}

// parseSize reads -s: bytes, or K/M with powers of 1024 as daos_perf
// takes them, from 1 byte to 64 MiB.
func parseSize(s string) (int, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := 1
	switch {
	case strings.HasSuffix(t, "K"):
		mult, t = 1<<10, strings.TrimSuffix(t, "K")
	case strings.HasSuffix(t, "M"):
		mult, t = 1<<20, strings.TrimSuffix(t, "M")
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 1 || n > (64<<20)/mult {
		return 0, fmt.Errorf("-s/--size %q: want a size from 1 byte to 64M", s)
	}
	return n * mult, nil
}

// run connects, prepares the container and objects, runs the steps and
// cleans up.
func (o *options) run(ctx context.Context, steps []step, out io.Writer) ([]result, error) {
	sess, err := agentclient.Attach(ctx, o.sys)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	pool, err := sess.Connect(ctx, o.pool, client.RW)
	if err != nil {
		return nil, fmt.Errorf("connect to pool %s: %w", o.pool, err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = pool.Disconnect(cctx)
	}()
	contID := o.cont
	if contID == "" {
		info, err := pool.CreateContainer(ctx, "", "unknown", nil)
		if err != nil {
			return nil, fmt.Errorf("create a container: %w", err)
		}
		contID = info.UUID
		defer func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := pool.DestroyContainer(cctx, contID, true); err != nil {
				fmt.Fprintf(os.Stderr, "daos_perf: remove container %s: %v\n", contID, err)
			}
		}()
	}
	cont, err := pool.OpenContainer(ctx, contID, client.RW)
	if err != nil {
		return nil, fmt.Errorf("open container %s: %w", contID, err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = cont.Close(cctx)
	}()
	first, err := cont.AllocOIDs(ctx, uint64(o.objects))
	if err != nil {
		return nil, fmt.Errorf("allocate object ids: %w", err)
	}
	var objs []object
	for i := 0; i < o.objects; i++ {
		oid, err := placement.GenerateOID(daos.ObjectID{Lo: first + uint64(i)}, placement.OTMultiHashed,
			placement.Name2ID(o.class), 0, pool.View.Map().Shape(0))
		if err != nil {
			return nil, fmt.Errorf("object of class %s: %w", o.class, err)
		}
		obj, err := cont.Object(oid)
		if err != nil {
			return nil, err
		}
		objs = append(objs, obj)
	}
	kind := "single values"
	if o.w.array {
		kind = "array records"
	}
	fmt.Fprintf(out, "daos_perf: pool %s, %d %s object(s) x %d dkeys x %d akeys x %d records of %d bytes (%s), %d in flight\n",
		o.pool, o.objects, o.class, o.w.dkeys, o.w.akeys, o.w.records, o.w.size, kind, o.w.credits)
	return run(ctx, o.w, objs, steps, out)
}
