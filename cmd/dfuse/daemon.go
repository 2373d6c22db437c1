package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// Without --foreground dfuse detaches, as DAOS's does: the command
// returns once the mount is up (or fails with the mount's error), so
// scripts can go on to use it. The parent re-runs itself as a child in
// a session of its own; the child reports on the pipe at readyFD once
// mounted, then points its output at $D_LOG_FILE (DAOS's log variable)
// or /dev/null.
const (
	daemonEnv = "DAOS_GO_DFUSE_DAEMON" // set in the detached child
	readyFD   = 3                      // the child's readiness pipe (ExtraFiles[0])
	logEnv    = "D_LOG_FILE"
	// maxEarlyOutput bounds what the parent keeps of the child's output
	// before the mount (its errors).
	maxEarlyOutput = 64 << 10
)

// isDaemonChild says this process is the detached child.
func isDaemonChild() bool { return os.Getenv(daemonEnv) == "1" }

// daemonize runs this command again, detached, and waits until it has
// mounted (nil) or failed (its output in the error).
func daemonize() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("detach: find own executable: %w", err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("detach: %w", err)
	}
	defer readyR.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		readyW.Close()
		return fmt.Errorf("detach: %w", err)
	}
	defer outR.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		readyW.Close()
		outW.Close()
		return fmt.Errorf("detach: %w", err)
	}
	defer devnull.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, outW, outW
	cmd.ExtraFiles = []*os.File{readyW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	readyW.Close()
	outW.Close()
	if err != nil {
		return fmt.Errorf("detach: start %s: %w", exe, err)
	}
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(&out, io.LimitReader(outR, maxEarlyOutput))
		_, _ = io.Copy(io.Discard, outR)
		close(copied)
	}()
	var b [1]byte
	if n, _ := readyR.Read(b[:]); n == 1 {
		// Mounted. What the child said before that (nothing, normally)
		// is passed on; it stays running on its own.
		_ = cmd.Process.Release()
		<-copied
		os.Stderr.Write(out.Bytes())
		return nil
	}
	// The readiness pipe closed unwritten: the child ended.
	werr := cmd.Wait()
	<-copied
	// The child said "dfuse: <error>"; the caller adds the prefix again.
	msg := bytes.TrimPrefix(bytes.TrimSpace(out.Bytes()), []byte("dfuse: "))
	if len(msg) == 0 {
		msg = []byte(fmt.Sprint(werr))
	}
	return errors.New(string(msg))
}

// detached tells the waiting parent the mount is up and moves the child's
// output away from it, to $D_LOG_FILE or /dev/null.
func detached() error {
	ready := os.NewFile(readyFD, "ready")
	if ready == nil {
		return errors.New("detach: no readiness pipe")
	}
	dst := os.DevNull
	if p := os.Getenv(logEnv); p != "" {
		dst = p
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		ready.Close()
		return fmt.Errorf("detach: open log %s: %w", dst, err)
	}
	defer f.Close()
	// Output first, so the parent's pipe has no writer left once it
	// hears the mount is up.
	for _, fd := range []int{1, 2} {
		if err := unix.Dup2(int(f.Fd()), fd); err != nil {
			ready.Close()
			return fmt.Errorf("detach: redirect output: %w", err)
		}
	}
	_, err = ready.Write([]byte{1})
	ready.Close()
	return err
}
