package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/client/agentclient"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// opTimeout bounds one command's work on the system, so a dead engine
// does not hang the tool.
const opTimeout = 2 * time.Minute

// poolHandle is what the commands do with a connected pool; tests
// substitute a fake.
type poolHandle interface {
	UUID() string
	Query(ctx context.Context) (*poolsvc.PoolInfo, error)
	ListContainers(ctx context.Context) ([]*poolsvc.ContInfo, error)
	CreateContainer(ctx context.Context, label, typ string, props map[string]string) (*poolsvc.ContInfo, error)
	DestroyContainer(ctx context.Context, id string, force bool) error
	QueryContainer(ctx context.Context, id string) (*poolsvc.ContInfo, error)
	// OpenCont opens a container (label or UUID) with client.RO or RW.
	OpenCont(ctx context.Context, id string, flags uint64) (contHandle, error)
	Disconnect(ctx context.Context) error
	attrOps
}

// attrOps are the user-attribute calls pools and containers share.
type attrOps interface {
	SetAttrs(ctx context.Context, attrs map[string][]byte) error
	GetAttrs(ctx context.Context, names ...string) (map[string][]byte, error)
	DelAttrs(ctx context.Context, names ...string) error
	ListAttrs(ctx context.Context) ([]string, error)
}

// contHandle is what the commands do with an open container.
type contHandle interface {
	attrOps
	UUIDString() string
	SetProps(ctx context.Context, props map[string]string) error
	CreateSnap(ctx context.Context, name string) (daos.Epoch, error)
	ListSnaps(ctx context.Context) ([]poolsvc.Snap, error)
	DestroySnap(ctx context.Context, epoch daos.Epoch, name string) error
	DestroySnapRange(ctx context.Context, lo, hi daos.Epoch) ([]daos.Epoch, error)
	// ObjectLayout computes an object's layout over the current pool map.
	ObjectLayout(oid daos.ObjectID) (*placement.Layout, error)
	Close(ctx context.Context) error
}

// connector connects to a pool of system sys; done releases what the
// connection needed (the agent session) after Disconnect.
type connector func(ctx context.Context, sys, pool string, flags uint64) (p poolHandle, done func(), err error)

// globals are daos's global flags and its way to the system.
type globals struct {
	json    bool
	debug   bool
	verbose bool
	sysName string
	connect connector
	attach  attacher
	log     *slog.Logger // stderr; DEBUG records only with --debug
}

// logger is the log, or a discarding one before the command starts.
func (g *globals) logger() *slog.Logger {
	if g.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return g.log
}

func newRoot(connect connector) *cobra.Command { return newRootWith(connect, liveAttach) }

// newRootWith is newRoot with its way to the agent for the commands that
// ask it directly (pool list, system query).
func newRootWith(connect connector, attach attacher) *cobra.Command {
	g := &globals{connect: connect, attach: attach}
	root := cmdutil.NewRoot("daos", "Command to manage DAOS pools, containers and objects", &g.json)
	pf := root.PersistentFlags()
	pf.BoolVar(&g.debug, "debug", false, "log what daos does (system, pool connections, timings) to stderr")
	pf.BoolVar(&g.verbose, "verbose", false, "verbose output, for the commands that have a -v form")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		// stderr only: nothing to close, and -j replies on stdout stay clean.
		log, _, err := cmdutil.OpenLog(cmdutil.LogConfig{Level: slog.LevelInfo, Debug: g.debug, Stderr: cmd.ErrOrStderr()})
		if err != nil {
			return err
		}
		g.log = log
		g.log.Debug("daos command", "command", cmd.CommandPath(), "sys_name", g.sysName)
		return nil
	}
	pf.StringVarP(&g.sysName, "sys-name", "G", agentclient.DefaultSystem, "DAOS system name")
	root.AddCommand(poolCommand(g), containerCommand(g), objectCommand(g), systemCommand(g), filesystemCommand(g), healthCommand(g), serverVersionCommand(g))
	withPathFlags(root)
	return root
}

// withPool connects to pool with flags, runs fn and disconnects, keeping
// fn's error first.
func (g *globals) withPool(cmd *cobra.Command, pool string, flags uint64, fn func(ctx context.Context, p poolHandle) error) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), opTimeout)
	defer cancel()
	start := time.Now()
	p, done, err := g.connect(ctx, g.sysName, pool, flags)
	g.logger().Debug("pool connect", "sys_name", g.sysName, "pool", pool, "flags", flags,
		"duration_ms", time.Since(start).Milliseconds(), "error", err)
	if err != nil {
		return err
	}
	defer done()
	start = time.Now()
	err = fn(ctx, p)
	dErr := p.Disconnect(ctx)
	g.logger().Debug("pool command done", "pool", pool, "duration_ms", time.Since(start).Milliseconds(),
		"error", err, "disconnect_error", dErr)
	if err == nil {
		err = dErr
	}
	return err
}

// checkID checks a <label|UUID> argument before anything is asked.
func checkID(what, id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", fmt.Errorf("give the %s's label or UUID", what)
	}
	if system.IsUUID(id) {
		return id, nil
	}
	if err := system.CheckPoolLabel(id); err != nil {
		return "", fmt.Errorf("%s %q: %w", what, id, err)
	}
	return id, nil
}

// liveConnect is the real connector: through daos_agent to the engines.
func liveConnect(ctx context.Context, sys, pool string, flags uint64) (poolHandle, func(), error) {
	s, err := agentclient.Attach(ctx, sys)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.Connect(ctx, pool, flags)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return livePool{p}, func() { s.Close() }, nil
}

// livePool adds what the tool needs to a connected pool.
type livePool struct{ *client.Pool }

func (p livePool) UUID() string { return target.UUID(p.Pool.UUID).String() }

// QueryContainer opens the container read-only for its info, as daos
// container query does.
func (p livePool) QueryContainer(ctx context.Context, id string) (*poolsvc.ContInfo, error) {
	c, err := p.OpenContainer(ctx, id, client.RO)
	if err != nil {
		return nil, err
	}
	info := c.Info
	if err := c.Close(ctx); err != nil {
		return nil, err
	}
	return info, nil
}

// OpenCont opens a container for the container and object commands.
func (p livePool) OpenCont(ctx context.Context, id string, flags uint64) (contHandle, error) {
	c, err := p.OpenContainer(ctx, id, flags)
	if err != nil {
		return nil, err
	}
	return liveCont{c}, nil
}

// liveCont adds what the tool needs to an open container.
type liveCont struct{ *client.Container }

func (c liveCont) UUIDString() string { return target.UUID(c.UUID).String() }

// FormatPOSIX gives the container DFS's layout.
func (c liveCont) FormatPOSIX(ctx context.Context, attr dfs.Attr) error {
	return dfs.Format(ctx, c.Container, attr)
}

// ObjectLayout places any class, redundant ones included: the layout is
// the pool map's answer, whatever this build can do I/O on.
func (c liveCont) ObjectLayout(oid daos.ObjectID) (*placement.Layout, error) {
	return placement.ComputeLayout(c.Pool.Map(), oid)
}

// withCont connects to pool, opens cont (RW when write, else RO; the pool
// is connected the same way), runs fn, and closes both, keeping fn's
// error first.
func (g *globals) withCont(cmd *cobra.Command, pool, cont string, write bool,
	fn func(ctx context.Context, p poolHandle, c contHandle) error) error {
	flags := client.RO
	if write {
		flags = client.RW
	}
	return g.withContMode(cmd, pool, cont, flags, fn)
}

// withContMode is withCont with the container's open flags given (EX for
// the repairs, which nobody else may see halfway); the pool is connected
// read-write for EX.
func (g *globals) withContMode(cmd *cobra.Command, pool, cont string, flags uint64,
	fn func(ctx context.Context, p poolHandle, c contHandle) error) error {
	poolFlags := flags
	if flags == client.EX {
		poolFlags = client.RW
	}
	return g.withPool(cmd, pool, poolFlags, func(ctx context.Context, p poolHandle) error {
		c, err := p.OpenCont(ctx, cont, flags)
		if err != nil {
			return err
		}
		err = fn(ctx, p, c)
		if cErr := c.Close(ctx); err == nil {
			err = cErr
		}
		return err
	})
}
