package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/client/agentclient"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

// autotestStep is one line of `daos pool autotest`'s report.
type autotestStep struct {
	Step    int     `json:"step"`
	Op      string  `json:"operation"`
	Status  string  `json:"status"`
	Seconds float64 `json:"time_s"`
	Comment string  `json:"comment,omitempty"`
}

// autotestResult is the report's JSON form.
type autotestResult struct {
	Pool  string          `json:"pool"`
	Steps []*autotestStep `json:"steps"`
}

func poolAutotestCommand(g *globals) *cobra.Command {
	var skipBig bool
	var deadline int
	cmd := &cobra.Command{
		Use:   "autotest <pool>",
		Short: "Check that a pool works: connect, container, object I/O, clean up",
		Long: `autotest runs DAOS's self-check of a pool from this client: it connects,
creates and opens a container, computes object layouts, writes and reads
many small values and one large one, verifies them, and removes the
container. Each step is printed with its time. -S skips the long layout
step; -D stops when the whole test has run longer than that many seconds.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, err := checkID("pool", args[0])
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), opTimeout)
			defer cancel()
			res := &autotestResult{Pool: pool}
			var out io.Writer = cmd.OutOrStdout()
			if g.json {
				out = io.Discard
			}
			runErr := runAutotest(ctx, g.sysName, pool, skipBig, time.Duration(deadline)*time.Second, out, res)
			if g.json && runErr == nil {
				return cmdutil.WriteJSON(cmd.OutOrStdout(), res, nil)
			}
			if runErr == nil {
				fmt.Fprintln(out, "All steps passed.")
			}
			return runErr
		},
	}
	cmd.Flags().BoolVarP(&skipBig, "skip-big", "S", false, "skip the big layout step")
	cmd.Flags().IntVarP(&deadline, "deadline-limit", "D", 0, "stop after this many seconds (0: no limit)")
	return cmd
}

// runAutotest runs the steps, printing each as it ends; the first failure
// stops the test (cleanup still runs).
func runAutotest(ctx context.Context, sys, poolID string, skipBig bool, limit time.Duration, out io.Writer,
	res *autotestResult) error {
	fmt.Fprintf(out, "%-6s%-32s%-8s%-10s%s\n", "Step", "Operation", "Status", "Time(sec)", "Comment")
	began := time.Now()
	step := func(n int, op string, fn func() (string, error)) error {
		if limit > 0 && time.Since(began) > limit {
			s := &autotestStep{Step: n, Op: op, Status: "SKIPPED", Comment: "deadline reached"}
			res.Steps = append(res.Steps, s)
			fmt.Fprintf(out, "%4d  %-32s%-8s%-10s%s\n", n, op, s.Status, "-", s.Comment)
			return nil
		}
		t0 := time.Now()
		comment, err := fn()
		s := &autotestStep{Step: n, Op: op, Status: "OK", Seconds: time.Since(t0).Seconds(), Comment: comment}
		if err != nil {
			s.Status, s.Comment = "FAILED", err.Error()
		}
		res.Steps = append(res.Steps, s)
		fmt.Fprintf(out, "%4d  %-32s%-8s%-10.3f%s\n", n, op, s.Status, s.Seconds, s.Comment)
		return err
	}
	var sess *agentclient.Session
	var pool *client.Pool
	var cont *client.Container
	var contUUID string
	defer func() {
		// Clean up whatever the steps made, whatever failed.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if cont != nil {
			_ = cont.Close(cctx)
		}
		if pool != nil && contUUID != "" {
			_ = pool.DestroyContainer(cctx, contUUID, true)
		}
		if pool != nil {
			_ = pool.Disconnect(cctx)
		}
		if sess != nil {
			sess.Close()
		}
	}()

	if err := step(0, "Initializing DAOS", func() (string, error) {
		var err error
		sess, err = agentclient.Attach(ctx, sys)
		return "", err
	}); err != nil {
		return err
	}
	if err := step(1, "Connecting to pool", func() (string, error) {
		var err error
		pool, err = sess.Connect(ctx, poolID, client.RW)
		return "", err
	}); err != nil {
		return err
	}
	if err := step(2, "Creating container", func() (string, error) {
		info, err := pool.CreateContainer(ctx, "", "unknown", nil)
		if err != nil {
			return "", err
		}
		contUUID = info.UUID
		return "uuid = " + info.UUID, nil
	}); err != nil {
		return err
	}
	if err := step(3, "Opening container", func() (string, error) {
		var err error
		cont, err = pool.OpenContainer(ctx, contUUID, client.RW)
		return "", err
	}); err != nil {
		return err
	}
	var firstOID uint64
	if err := step(4, "Allocating object ids", func() (string, error) {
		var err error
		firstOID, err = cont.AllocOIDs(ctx, 1024)
		return fmt.Sprintf("first = %d", firstOID), err
	}); err != nil {
		return err
	}
	shape := pool.View.Map().Shape(0)
	layouts := func(class string, n int) func() (string, error) {
		return func() (string, error) {
			cid := placement.Name2ID(class)
			for i := 0; i < n; i++ {
				oid, err := placement.GenerateOID(daos.ObjectID{Lo: uint64(i)}, placement.OTMultiHashed, cid, 0, shape)
				if err != nil {
					return "", err
				}
				if _, err := placement.ComputeLayout(pool.View.Map(), oid); err != nil {
					return "", err
				}
			}
			return "", nil
		}
	}
	if !skipBig {
		if err := step(10, "Generating 1M S1 layouts", layouts("S1", 1_000_000)); err != nil {
			return err
		}
	}
	if err := step(11, "Generating 10K SX layouts", layouts("SX", 10_000)); err != nil {
		return err
	}
	oid, err := placement.GenerateOID(daos.ObjectID{Lo: firstOID}, placement.OTMultiHashed, placement.Name2ID("SX"), 0, shape)
	if err != nil {
		return err
	}
	obj, err := cont.Object(oid)
	if err != nil {
		return err
	}
	small := func(i int) []byte {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, uint64(i)*0x9e3779b97f4a7c15)
		return b
	}
	iod8 := []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 8}}
	if err := step(20, "Doing 10K small writes", func() (string, error) {
		for i := 0; i < 10_000; i++ {
			if _, err := obj.Update(ctx, []byte(fmt.Sprint("d", i)), iod8, [][]byte{small(i)}, 0); err != nil {
				return "", fmt.Errorf("write %d: %w", i, err)
			}
		}
		return "", nil
	}); err != nil {
		return err
	}
	if err := step(21, "Doing 10K small reads", func() (string, error) {
		buf := make([]byte, 8)
		for i := 0; i < 10_000; i++ {
			if _, err := obj.Fetch(ctx, daos.EpochMax, []byte(fmt.Sprint("d", i)), iod8, [][]byte{buf}, 0); err != nil {
				return "", fmt.Errorf("read %d: %w", i, err)
			}
			if !bytes.Equal(buf, small(i)) {
				return "", daos.Errorf(daos.ErrIo, "read %d returned other data", i)
			}
		}
		return "", nil
	}); err != nil {
		return err
	}
	const large = 16 << 20
	data := make([]byte, large)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	bigIOD := []daos.IOD{{Name: []byte("big"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: large}}}}
	if err := step(22, "Doing 1 large write (16 MiB)", func() (string, error) {
		_, err := obj.Update(ctx, []byte("large"), bigIOD, [][]byte{data}, 0)
		return "", err
	}); err != nil {
		return err
	}
	got := make([]byte, large)
	if err := step(23, "Doing 1 large read (16 MiB)", func() (string, error) {
		_, err := obj.Fetch(ctx, daos.EpochMax, []byte("large"), bigIOD, [][]byte{got}, 0)
		return "", err
	}); err != nil {
		return err
	}
	if err := step(24, "Verifying data", func() (string, error) {
		if !bytes.Equal(data, got) {
			return "", daos.Errorf(daos.ErrIo, "the large read differs from what was written")
		}
		return "", nil
	}); err != nil {
		return err
	}
	if err := step(27, "Closing container", func() (string, error) {
		err := cont.Close(ctx)
		cont = nil
		return "", err
	}); err != nil {
		return err
	}
	if err := step(28, "Destroying container", func() (string, error) {
		err := pool.DestroyContainer(ctx, contUUID, false)
		contUUID = ""
		return "", err
	}); err != nil {
		return err
	}
	return step(29, "Disconnecting from pool", func() (string, error) {
		err := pool.Disconnect(ctx)
		pool = nil
		return "", err
	})
}
