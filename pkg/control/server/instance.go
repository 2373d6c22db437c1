package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/daos-go/daos/pkg/control/storage"
	"github.com/daos-go/daos/pkg/control/superblock"
	"github.com/daos-go/daos/pkg/drpc"
)

// State is an engine instance's state as this server sees it. The names
// follow DAOS's member states where they overlap.
type State string

// Instance states.
const (
	StateAwaitFormat State = "AwaitFormat" // no superblock yet
	StateStopped     State = "Stopped"     // formatted, not running
	StateStarting    State = "Starting"    // process launched, not ready
	StateReady       State = "Ready"       // reported ready over dRPC
	StateErrored     State = "Errored"     // died and is not restarted
)

// InstanceInfo is a snapshot of one engine instance.
type InstanceInfo struct {
	Index       int
	State       State
	PID         int
	UUID        string
	URI         string
	Socket      string
	Incarnation uint64
	Restarts    int
	Rank        uint32 // valid when HasRank
	HasRank     bool
	Joined      bool // joined the system since it last started
	LastExit    string
	// LastExitCode is the last process's exit code, -1 when a signal
	// ended it; meaningful only when LastExit is set.
	LastExitCode int
}

// instance is one engines: entry and the process running it.
type instance struct {
	idx     int
	storage storage.Engine

	mu          sync.Mutex
	state       State
	uuid        string
	cmd         *exec.Cmd
	pid         int
	uri         string
	socket      string
	incarnation uint64
	restarts    int
	lastExit    string
	lastCode    int
	client      *drpc.Client
	nctxs       uint32
	rank        uint32
	hasRank     bool
	joined      bool
	forceStop   bool // the next stop kills at once
	// joinCancel stops the join loop of the current engine process.
	joinCancel context.CancelFunc
	// sbMu serialises read-modify-writes of the superblock (readiness
	// records the URI, joins record the rank).
	sbMu sync.Mutex
	// formatted is closed once the instance's storage is known to be
	// formatted.
	formatted     chan struct{}
	formattedOnce sync.Once
	// stopReq is closed to ask the supervisor to stop the engine; done is
	// closed when the supervisor has returned. Both are nil when no
	// supervisor runs.
	stopReq chan struct{}
	done    chan struct{}
}

func (in *instance) info() InstanceInfo {
	in.mu.Lock()
	defer in.mu.Unlock()
	return InstanceInfo{
		Index: in.idx, State: in.state, PID: in.pid, UUID: in.uuid, URI: in.uri,
		Socket: in.socket, Incarnation: in.incarnation, Restarts: in.restarts, LastExit: in.lastExit,
		LastExitCode: in.lastCode, Rank: in.rank, HasRank: in.hasRank, Joined: in.joined,
	}
}

// adopt takes identity (UUID, rank) from the instance's superblock.
func (in *instance) adopt(sb *superblock.Superblock) {
	in.mu.Lock()
	in.uuid = sb.UUID
	if sb.ValidRank && sb.Rank != nil {
		in.rank, in.hasRank = *sb.Rank, true
	}
	in.mu.Unlock()
	in.formattedOnce.Do(func() { close(in.formatted) })
}

// cancelJoinLocked stops a running join loop; in.mu is held.
func (in *instance) cancelJoinLocked() {
	if in.joinCancel != nil {
		in.joinCancel()
		in.joinCancel = nil
	}
}

func (in *instance) setState(st State) {
	in.mu.Lock()
	in.state = st
	in.mu.Unlock()
}

// launch starts the engine process.
func (s *Server) launch(in *instance) (*exec.Cmd, error) {
	cmd := exec.Command(s.opts.EngineBinary,
		"-I", strconv.Itoa(in.idx),
		"-d", s.cfg.SocketDir,
		"--server-socket", s.sockPath)
	cmd.Stdout = s.opts.EngineOutput
	cmd.Stderr = s.opts.EngineOutput
	if path := in.storage.Config.LogFile; path != "" {
		// The engine's log_file: the process gets the file itself, so
		// the server's copy is closed once it has started.
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("launch engine %d: log_file: %w", in.idx, err)
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
	}
	cmd.Env = append(os.Environ(), in.storage.Config.EnvVars...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// The engine dies with the server, even on SIGKILL, and is out
		// of the terminal's process group so ^C reaches only the server,
		// which then stops the engines in order.
		Pdeathsig: syscall.SIGKILL,
		Setpgid:   true,
	}
	var cpus []int
	if node := in.storage.Config.PinnedNumaNode; node != nil && !anyFirstCore(s.cfg) {
		var err error
		if cpus, err = nodeCPUs(s.sysfs(), *node); err != nil {
			return nil, fmt.Errorf("launch engine %d: %w", in.idx, err)
		}
	}
	if err := startOn(cmd, cpus); err != nil {
		return nil, fmt.Errorf("launch engine %d (%s): %w", in.idx, s.opts.EngineBinary, err)
	}
	// core_dump_filter: which of the engine's mappings a core dump holds.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/coredump_filter", cmd.Process.Pid),
		fmt.Appendf(nil, "%#x", s.cfg.CoreDumpFilter), 0); err != nil {
		s.log.Warn("engine core_dump_filter not set", "engine", in.idx, "filter", s.cfg.CoreDumpFilter, "err", err)
	}
	in.mu.Lock()
	in.cmd, in.pid, in.state = cmd, cmd.Process.Pid, StateStarting
	in.uri, in.socket, in.incarnation, in.joined, in.forceStop = "", "", 0, false, false
	in.cancelJoinLocked()
	if in.client != nil {
		in.client.Close()
		in.client = nil
	}
	in.mu.Unlock()
	s.log.Info("engine launched", "engine", in.idx, "pid", cmd.Process.Pid)
	return cmd, nil
}

// supervise runs the engine until stopReq is closed or ctx ends,
// restarting it after unexpected exits.
func (s *Server) supervise(ctx context.Context, in *instance, stopReq, done chan struct{}) {
	defer close(done)
	consecutive := 0
	var lastRestart time.Time
	for {
		cmd, err := s.launch(in)
		if err != nil {
			s.log.Error("engine not started", "engine", in.idx, "err", err)
			in.setState(StateErrored)
			return
		}
		started := time.Now()
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()

		var waitErr error
		select {
		case waitErr = <-exited:
		case <-stopReq:
			s.terminate(in, cmd, exited)
			return
		case <-ctx.Done():
			s.terminate(in, cmd, exited)
			return
		}
		status := exitStatus(cmd, waitErr)
		in.mu.Lock()
		in.lastExit, in.lastCode, in.pid = status, exitCode(cmd), 0
		sock, rank, hasRank, inc := in.socket, in.rank, in.hasRank, in.incarnation
		in.joined = false
		in.mu.Unlock()
		if hasRank && inc != 0 {
			go s.reportDeath(rank, inc, status)
		}
		if sock != "" {
			// A killed engine leaves its socket file behind.
			if err := drpc.RemoveStaleSocket(ctx, sock); err != nil {
				s.log.Warn("engine socket not cleaned up", "engine", in.idx, "err", err)
			}
		}

		if time.Since(started) > s.opts.StableRun {
			consecutive = 0
		}
		consecutive++
		if s.cfg.DisableEngineAutoRestart {
			s.log.Error("engine exited unexpectedly; not restarting it (disable_engine_auto_restart is set)",
				"engine", in.idx, "pid", cmd.Process.Pid, "status", status)
			in.setState(StateErrored)
			return
		}
		delay := s.restartDelay(consecutive, lastRestart)
		s.log.Error("engine exited unexpectedly; restarting it", "engine", in.idx,
			"pid", cmd.Process.Pid, "status", status, "restart_in", delay.String(), "restart", consecutive)
		in.setState(StateErrored)
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-stopReq:
			timer.Stop()
			in.setState(StateStopped)
			return
		case <-ctx.Done():
			timer.Stop()
			in.setState(StateStopped)
			return
		}
		lastRestart = time.Now()
		in.mu.Lock()
		in.restarts++
		in.mu.Unlock()
	}
}

// restartDelay is the exponential backoff for the n-th consecutive
// restart, capped, and no earlier than engine_auto_restart_min_delay
// after the previous restart.
func (s *Server) restartDelay(n int, lastRestart time.Time) time.Duration {
	d := s.opts.RestartBackoffMin
	for i := 1; i < n && d < s.opts.RestartBackoffMax; i++ {
		d *= 2
	}
	d = min(d, s.opts.RestartBackoffMax)
	if !lastRestart.IsZero() {
		minDelay := time.Duration(s.cfg.EngineAutoRestartMinDelay) * time.Second
		if wait := time.Until(lastRestart.Add(minDelay)); wait > d {
			d = wait
		}
	}
	return d
}

// terminate stops a running engine: SIGTERM, then SIGKILL after
// StopTimeout. It returns once the process has been reaped.
func (s *Server) terminate(in *instance, cmd *exec.Cmd, exited <-chan error) {
	pid := cmd.Process.Pid
	in.mu.Lock()
	force := in.forceStop
	in.forceStop = false
	in.mu.Unlock()
	if force {
		_ = cmd.Process.Kill()
	} else {
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(s.opts.StopTimeout):
		s.log.Warn("engine did not stop after SIGTERM; killing it", "engine", in.idx, "pid", pid,
			"waited", s.opts.StopTimeout.String())
		_ = cmd.Process.Kill()
		err = <-exited
	}
	status := exitStatus(cmd, err)
	s.log.Info("engine stopped", "engine", in.idx, "pid", pid, "status", status)
	in.mu.Lock()
	in.state, in.pid, in.lastExit, in.lastCode, in.joined = StateStopped, 0, status, exitCode(cmd), false
	in.cancelJoinLocked()
	if in.client != nil {
		in.client.Close()
		in.client = nil
	}
	in.mu.Unlock()
}

// exitCode is the process's exit code, -1 when a signal ended it or it
// was not reaped.
func exitCode(cmd *exec.Cmd) int {
	if cmd.ProcessState == nil {
		return -1
	}
	return cmd.ProcessState.ExitCode()
}

// exitStatus describes how a process ended.
func exitStatus(cmd *exec.Cmd, waitErr error) string {
	if cmd.ProcessState != nil {
		return cmd.ProcessState.String()
	}
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		return ee.String()
	}
	if waitErr != nil {
		return waitErr.Error()
	}
	return "exited"
}
