package rpc

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/fabric"
)

// The test binary serves as the other process when these are set.
const (
	serveEnv     = "DAOSGO_RPC_TEST_SERVE"      // provider to serve on
	servePortEnv = "DAOSGO_RPC_TEST_SERVE_PORT" // port (default: any)
)

func TestMain(m *testing.M) {
	if prov := os.Getenv(serveEnv); prov != "" {
		os.Exit(serveChild(prov))
	}
	os.Exit(m.Run())
}

// serveChild runs the test server until its standard input closes. It
// prints "URI <uri>" once listening and "STARTED" whenever opBlock begins.
func serveChild(prov string) int {
	port, _ := strconv.Atoi(os.Getenv(servePortEnv))
	s := &testServer{started: make(chan struct{}, 16), ended: make(chan error, 16), release: make(chan struct{}), name: "child"}
	ep, err := Listen(context.Background(), Config{
		Fabric:   fabric.Config{Provider: prov, Interface: "127.0.0.1", Port: port},
		Registry: s.registry(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var out sync.Mutex
	say := func(line string) {
		out.Lock()
		defer out.Unlock()
		fmt.Println(line)
	}
	go func() {
		for range s.started {
			say("STARTED")
		}
	}()
	go func() {
		for range s.ended {
		}
	}()
	say("URI " + ep.URI().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = ep.Close()
	return 0
}

// child is a server process started by a test.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	uri   fabric.URI
	lines chan string
	done  chan struct{}
}

func startChild(t *testing.T, prov string, port int) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveEnv+"="+prov, servePortEnv+"="+strconv.Itoa(port))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	c := &child{cmd: cmd, stdin: stdin, lines: make(chan string, 64), done: make(chan struct{})}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	go func() { _ = cmd.Wait(); close(c.done) }()
	t.Cleanup(c.stop)
	line := c.next(t)
	uri, ok := strings.CutPrefix(line, "URI ")
	require.True(t, ok, "child said %q", line)
	c.uri, err = fabric.ParseURI(uri)
	require.NoError(t, err)
	return c
}

func (c *child) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-c.lines:
		require.True(t, ok, "child process exited")
		return l
	case <-time.After(30 * time.Second):
		t.Fatal("child process said nothing for 30 s")
		return ""
	}
}

// stop asks the child to exit (by closing its input) and kills it if it
// has not within 10 s; it always reaps it.
func (c *child) stop() {
	_ = c.stdin.Close()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.done
}

func TestTwoProcesses(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := startChild(t, prov, 0)
		cl := newClient(t, prov)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 50; i++ {
					seq := uint64(w*1000 + i)
					var resp echoMsg
					req := &echoMsg{Seq: seq, Data: pattern(seq, int64(i*97))}
					if err := cl.Call(ctx, srv.uri, opEcho, req, &resp); err != nil {
						errs <- err
						return
					}
					if resp.Seq != seq || !bytes.Equal(resp.Data, req.Data) {
						errs <- fmt.Errorf("call %d: mismatched reply %d", seq, resp.Seq)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		for _, size := range []int64{4095, 1<<20 + 13} {
			src := pattern(uint64(size), size)
			b, err := cl.Expose(cut(src, []uint32{7, 5000}), ToServer)
			require.NoError(t, err)
			err = cl.Call(ctx, srv.uri, opPull, &bulkMsg{Seed: uint64(size), Cuts: []uint32{333}, Bulk: b.Desc()}, nil)
			require.NoError(t, b.Finish(nil))
			require.NoError(t, err)

			dst := make([]byte, size)
			b, err = cl.Expose(cut(dst, []uint32{1, 65536}), FromServer)
			require.NoError(t, err)
			var resp pushReply
			err = cl.Call(ctx, srv.uri, opPush, &bulkMsg{Seed: uint64(size), Cuts: []uint32{4097}, Bulk: b.Desc()}, &resp)
			require.NoError(t, err)
			require.NoError(t, b.Finish(resp.Inline))
			require.True(t, bytes.Equal(pattern(uint64(size), size), dst))
		}
	})
}

// TestTwoProcessesKillMidCall kills the server process while a call waits
// in its handler: the caller gets a transport error long before its
// deadline and leaks nothing; a server restarted on the same port is
// reached again.
func TestTwoProcessesKillMidCall(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := startChild(t, prov, 0)
		cl := newClient(t, prov)
		callCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- cl.Call(callCtx, srv.uri, opBlock, nil, nil) }()
		require.Equal(t, "STARTED", srv.next(t))
		srv.kill()
		err := recv(t, ctx, done, "the call's return")
		require.Error(t, err)
		require.NoError(t, callCtx.Err(), "the call only ended at its deadline: %v", err)
		require.True(t, transportDown(err), describe(err))

		ap, err := srv.uri.AddrPort()
		require.NoError(t, err)
		again := startChild(t, prov, int(ap.Port()))
		require.Equal(t, srv.uri, again.uri)
		var resp echoMsg
		require.NoError(t, cl.CallWith(ctx, again.uri, opWhoami, nil, &resp, CallOptions{Idempotent: true, MaxAttempts: 5}))
		require.Equal(t, "child", string(resp.Data))
	})
}
