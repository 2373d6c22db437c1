// Command dfuse mounts a DAOS POSIX container through FUSE:
//
//	dfuse -m /mnt/x --pool P --cont C
//	dfuse /mnt/x P C
//
// It attaches through daos_agent ($DAOS_AGENT_DRPC_DIR), connects the
// pool, opens the container and serves its DFS namespace until unmounted
// (fusermount3 -u) or sent SIGINT or SIGTERM, when it unmounts itself.
//
// A container created with `daos container create --type POSIX` holds no
// DFS superblock yet; dfuse formats it on the first mount, but only when
// it is POSIX-typed and has never allocated an object (so nothing else's
// data can be there).
//
// Without --foreground it detaches once the mount is up, as DAOS's dfuse
// does (daemon.go); its output then goes to $D_LOG_FILE, else nowhere.
// go-fuse serves every request on a goroutine of its own, so there is no
// thread pool to size: --thread-count bounds the asynchronous requests
// (readahead, background writes) the kernel keeps in flight instead.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/client/agentclient"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/dfuse"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/uns"
)

// opts are dfuse's flags.
type opts struct {
	mountpoint, pool, cont, sys string
	foreground, singleThread    bool
	disableCaching, readOnly    bool
	threadCount                 int
	debug                       bool
}

// Default cache timeouts, as DAOS's dfuse uses when the container sets
// none: short enough that other clients' changes show within a second.
const (
	defaultAttrTime   = time.Second
	defaultDentryTime = time.Second
)

// setupTimeout bounds attaching, connecting and mounting.
const setupTimeout = time.Minute

func main() {
	var jsonOut bool
	root := cmdutil.NewRoot("dfuse", "Mount a DAOS POSIX container with FUSE", &jsonOut)
	o := &opts{}
	root.Use = "dfuse [mountpoint [pool [container]]]"
	root.Args = cobra.MaximumNArgs(3)
	root.RunE = func(cmd *cobra.Command, args []string) error {
		if err := o.positional(args); err != nil {
			return err
		}
		if !o.foreground && !isDaemonChild() {
			return daemonize()
		}
		return run(o)
	}
	addFlags(root, o)
	cmdutil.Main(root)
}

// addFlags declares dfuse's flags, DAOS's spellings included.
func addFlags(cmd *cobra.Command, o *opts) {
	f := cmd.Flags()
	f.StringVarP(&o.mountpoint, "mountpoint", "m", "", "where to mount")
	f.StringVarP(&o.pool, "pool", "p", "", "pool label or UUID")
	f.StringVarP(&o.cont, "cont", "c", "", "container label or UUID")
	// DAOS's dfuse spells it --container; both are accepted.
	f.StringVar(&o.cont, "container", "", "container label or UUID (same as --cont)")
	f.StringVar(&o.sys, "sys-name", agentclient.DefaultSystem, "DAOS system name")
	f.BoolVarP(&o.foreground, "foreground", "f", false, "stay in the foreground (without it dfuse detaches once mounted)")
	f.BoolVarP(&o.singleThread, "singlethread", "S", false, "serve one request at a time")
	f.BoolVarP(&o.disableCaching, "disable-caching", "A", false, "no kernel caching of attributes, names or data")
	f.IntVarP(&o.threadCount, "thread-count", "t", 0, "asynchronous kernel requests in flight (0: go-fuse's default)")
	f.BoolVar(&o.readOnly, "read-only", false, "mount read-only")
	f.BoolVar(&o.debug, "debug", false, "log every FUSE request")
}

// positional fills what DAOS's `dfuse MOUNT POOL CONT` form gives; a
// value given both ways must agree.
func (o *opts) positional(args []string) error {
	dst := []*string{&o.mountpoint, &o.pool, &o.cont}
	names := []string{"mountpoint", "pool", "container"}
	for i, a := range args {
		if *dst[i] != "" && *dst[i] != a {
			return fmt.Errorf("%s given twice: %q and %q", names[i], *dst[i], a)
		}
		*dst[i] = a
	}
	if o.mountpoint != "" && o.pool == "" && o.cont == "" {
		// A mount point linked to a container (daos container create
		// --path) names it, as DAOS's dfuse takes it.
		l, err := uns.Lookup(o.mountpoint)
		switch {
		case err == nil && l.Type == "POSIX":
			o.pool, o.cont = l.Pool, l.Cont
		case err == nil:
			return fmt.Errorf("%s is linked to a %s container; dfuse mounts POSIX ones", o.mountpoint, l.Type)
		}
	}
	for i, v := range dst {
		if *v == "" {
			return fmt.Errorf("no %s given (dfuse -m MOUNT --pool POOL --cont CONT, dfuse MOUNT POOL CONT, or a MOUNT linked to a container)", names[i])
		}
	}
	if o.threadCount < 0 {
		return fmt.Errorf("--thread-count %d: must not be negative", o.threadCount)
	}
	return nil
}

// cpuProfileEnv names a directory for a CPU profile of the whole mount
// (dfuse-<pid>.prof), as DAOS_GO_ENGINE_CPUPROFILE does for engines.
const cpuProfileEnv = "DAOS_GO_DFUSE_CPUPROFILE"

func run(o *opts) error {
	stopProfile, err := cmdutil.CPUProfile(cpuProfileEnv, "dfuse")
	if err != nil {
		return err
	}
	defer stopProfile()
	sigCtx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	setup, cancel := context.WithTimeout(sigCtx, setupTimeout)
	defer cancel()

	sess, err := agentclient.Attach(setup, o.sys)
	if err != nil {
		return fmt.Errorf("attach to system %q: %w", o.sys, err)
	}
	defer sess.Close()
	flags := client.RW
	if o.readOnly {
		flags = client.RO
	}
	pool, err := sess.Connect(setup, o.pool, flags)
	if err != nil {
		return fmt.Errorf("connect pool %q: %w", o.pool, err)
	}
	defer closeWithin("disconnect pool", pool.Disconnect)
	cont, err := pool.OpenContainer(setup, o.cont, flags)
	if err != nil {
		return fmt.Errorf("open container %q: %w", o.cont, err)
	}
	defer closeWithin("close container", cont.Close)
	fsys, err := mountDFS(setup, cont, o.readOnly)
	if err != nil {
		return fmt.Errorf("mount DFS of container %q: %w", o.cont, err)
	}
	defer fsys.Umount()

	cfg := dfuse.Config{
		AttrTimeout:     defaultAttrTime,
		EntryTimeout:    defaultDentryTime,
		NegativeTimeout: defaultDentryTime,
		SingleThreaded:  o.singleThread,
		MaxBackground:   o.threadCount,
		Name:            "dfuse:" + o.pool + "/" + o.cont,
		Pool:            target.UUID(pool.UUID).String(),
		Container:       target.UUID(cont.UUID).String(),
		Debug:           o.debug,
		Space: func(ctx context.Context) (uint64, uint64, error) {
			sp, err := pool.Space(ctx)
			if err != nil {
				return 0, 0, err
			}
			return sp.Total[0] + sp.Total[1], sp.Free[0] + sp.Free[1], nil
		},
	}
	if o.disableCaching {
		noCaching(&cfg)
	} else if err := cacheAttrs(setup, cont, &cfg); err != nil {
		return err
	}
	links := &linkedConts{sess: sess, main: pool, flags: flags, readOnly: o.readOnly}
	defer links.close()
	cfg.OpenLinked = links.open
	srv, err := dfuse.Mount(o.mountpoint, fsys, cfg)
	if err != nil {
		return err
	}
	if isDaemonChild() {
		if err := detached(); err != nil {
			_ = srv.Unmount()
			return err
		}
	}
	done := make(chan struct{})
	go func() { srv.Wait(); close(done) }()
	select {
	case <-done: // unmounted from outside (fusermount3 -u)
	case <-sigCtx.Done():
		if err := unmount(srv, done); err != nil {
			return err
		}
	}
	return nil
}

// linkedConts opens the containers that linked directories in the mount
// lead to (the unified namespace), and closes them when the mount ends.
type linkedConts struct {
	sess     *agentclient.Session
	main     *client.Pool
	flags    uint64
	readOnly bool

	mu     sync.Mutex
	pools  map[string]*client.Pool  // other pools, as linked
	byUUID map[string]*dfuse.Linked // opened containers, by pool/container UUID
	closes []func()                 // in opening order
}

func (lc *linkedConts) open(ctx context.Context, l uns.Link) (*dfuse.Linked, error) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	pool := lc.main
	if !strings.EqualFold(l.Pool, target.UUID(lc.main.UUID).String()) {
		if pool = lc.pools[l.Pool]; pool == nil {
			p, err := lc.sess.Connect(ctx, l.Pool, lc.flags)
			if err != nil {
				return nil, fmt.Errorf("connect pool %s: %w", l.Pool, err)
			}
			if lc.pools == nil {
				lc.pools = map[string]*client.Pool{}
			}
			lc.pools[l.Pool], pool = p, p
			lc.closes = append(lc.closes, func() { closeWithin("disconnect pool "+l.Pool, p.Disconnect) })
		}
	}
	cont, err := pool.OpenContainer(ctx, l.Cont, lc.flags)
	if err != nil {
		return nil, fmt.Errorf("open container %s: %w", l.Cont, err)
	}
	// Opened before under another spelling: that one serves.
	id := target.UUID(pool.UUID).String() + "/" + target.UUID(cont.UUID).String()
	if ln := lc.byUUID[id]; ln != nil {
		closeWithin("close container "+l.Cont, cont.Close)
		return ln, nil
	}
	fs, err := mountDFS(ctx, cont, lc.readOnly)
	if err != nil {
		closeWithin("close container "+l.Cont, cont.Close)
		return nil, fmt.Errorf("mount DFS of container %s: %w", l.Cont, err)
	}
	lc.closes = append(lc.closes, func() {
		_ = fs.Umount()
		closeWithin("close container "+l.Cont, cont.Close)
	})
	ln := &dfuse.Linked{FS: fs, Pool: target.UUID(pool.UUID).String(), Container: target.UUID(cont.UUID).String()}
	if lc.byUUID == nil {
		lc.byUUID = map[string]*dfuse.Linked{}
	}
	lc.byUUID[id] = ln
	return ln, nil
}

// close closes what open opened, newest first.
func (lc *linkedConts) close() {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	for i := len(lc.closes) - 1; i >= 0; i-- {
		lc.closes[i]()
	}
	lc.closes = nil
}

// unmount retries while the mount is busy (a process still in it), so a
// signal during a short-lived access does not leave a dead mount.
func unmount(srv interface{ Unmount() error }, done <-chan struct{}) error {
	var err error
	for range 50 {
		if err = srv.Unmount(); err == nil {
			<-done
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("unmount: %w", err)
}

// closeWithin runs a close with its own deadline: the signal that ended
// the mount must not cancel the cleanup too.
func closeWithin(what string, fn func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fn(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "dfuse: %s: %v\n", what, err)
	}
}

// mountDFS mounts the container's namespace, formatting a POSIX
// container that was never written (see the package comment).
func mountDFS(ctx context.Context, cont *client.Container, readOnly bool) (*dfs.FS, error) {
	flags := dfs.RDWR
	if readOnly {
		flags = dfs.RDONLY
	}
	fsys, err := dfs.Mount(ctx, cont, flags)
	if err == nil || readOnly || !errors.Is(err, syscall.EINVAL) || !fresh(cont) {
		return fsys, err
	}
	// EEXIST: formatted since (another dfuse raced us), or the EINVAL
	// had another cause, which mounting again reports.
	if fErr := dfs.Format(ctx, cont, dfs.AttrOfProps(cont.Info.Props)); fErr != nil && !errors.Is(fErr, syscall.EEXIST) {
		return nil, fmt.Errorf("format new POSIX container: %w", fErr)
	}
	return dfs.Mount(ctx, cont, flags)
}

// fresh says whether cont is POSIX-typed and has allocated no object.
func fresh(cont *client.Container) bool {
	return cont.Info != nil && strings.EqualFold(cont.Info.Type, "POSIX") && cont.Info.AllocedOID == 0
}

// cacheAttrs applies the container attributes DAOS's dfuse reads for
// its caches, when set: timeouts as a duration ("5s") or whole seconds,
// dfuse-data-cache as on, off, otoc (open to close) or a duration.
func cacheAttrs(ctx context.Context, cont *client.Container, cfg *dfuse.Config) error {
	attrs, err := cont.GetAttrs(ctx)
	if err != nil {
		return fmt.Errorf("read container attributes: %w", err)
	}
	return applyCacheAttrs(attrs, cfg)
}

func applyCacheAttrs(attrs map[string][]byte, cfg *dfuse.Config) error {
	value := func(name string) (string, bool) {
		v, ok := attrs[name]
		return strings.TrimSpace(strings.TrimRight(string(v), "\x00")), ok
	}
	for name, dst := range map[string]*time.Duration{
		"dfuse-attr-time":    &cfg.AttrTimeout,
		"dfuse-dentry-time":  &cfg.EntryTimeout,
		"dfuse-ndentry-time": &cfg.NegativeTimeout,
	} {
		v, ok := value(name)
		if !ok {
			continue
		}
		d, err := parseTime(v)
		if err != nil {
			return fmt.Errorf("container attribute %s: %w", name, err)
		}
		*dst = d
	}
	if v, ok := value("dfuse-dentry-dir-time"); ok {
		d, err := parseTime(v)
		if err != nil {
			return fmt.Errorf("container attribute dfuse-dentry-dir-time: %w", err)
		}
		cfg.DirEntryTimeout = &d
	}
	if v, ok := value("dfuse-data-cache"); ok {
		switch strings.ToLower(v) {
		case "on", "true":
			cfg.DataCache = dfuse.DataCache{Mode: dfuse.DataCacheOn}
		case "off", "false":
			cfg.DataCache = dfuse.DataCache{Mode: dfuse.DataCacheOff}
		case "otoc":
			cfg.DataCache = dfuse.DataCache{Mode: dfuse.DataCacheOpenToClose}
		default:
			d, err := parseTime(v)
			if err != nil {
				return fmt.Errorf("container attribute dfuse-data-cache: %q: want on, off, otoc or a duration", v)
			}
			cfg.DataCache = dfuse.DataCache{Mode: dfuse.DataCacheFor, Time: d}
		}
	}
	return nil
}

// noCaching is --disable-caching: the kernel keeps no attributes, names
// or data (every read and write goes to DFS, as DAOS's dfuse does then).
func noCaching(cfg *dfuse.Config) {
	cfg.AttrTimeout, cfg.EntryTimeout, cfg.NegativeTimeout, cfg.DirEntryTimeout = 0, 0, 0, nil
	cfg.DataCache = dfuse.DataCache{Mode: dfuse.DataCacheOff}
}

// parseTime reads a cache time as DAOS writes them: whole seconds, or a
// whole number with a unit d, h, m or s in either case ("1d", "5M").
// Go's durations ("1500ms") are accepted too.
func parseTime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	units := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}
	if len(s) > 1 {
		if u, ok := units[s[len(s)-1]|0x20]; ok {
			if n, err := strconv.ParseUint(s[:len(s)-1], 10, 32); err == nil {
				return time.Duration(n) * u, nil
			}
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q: want seconds, or a number with d, h, m or s (1d, 5m, 10s)", s)
	}
	return d, nil
}
