package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/vos"
)

func newRoot() *cobra.Command {
	var jsonOut bool
	root := cmdutil.NewRoot("ddb", "DAOS debug tool for VOS pools, offline", &jsonOut)
	root.AddCommand(lsCommand(&jsonOut), dumpCommand(&jsonOut), spaceCommand(&jsonOut),
		verifyCommand(&jsonOut), punchCommand(&jsonOut))
	return root
}

// printer prints a command's reply as text or, with --json, the envelope.
func printer(cmd *cobra.Command, jsonOut *bool) cmdutil.Printer {
	return cmdutil.Printer{JSON: jsonOut, Out: cmd.OutOrStdout()}
}

// access says how a command opens the pool.
type access int

const (
	// readOnly changes no file of the pool (vos.OpenReadOnly): not even
	// the repairs an ordinary open makes, such as invalidating the records
	// of a batch torn by a crash.
	readOnly access = iota
	// writable is the ordinary open, for commands run with --write-mode.
	writable
)

// withPool opens the pool in dir, runs f on it and closes it, reporting
// the first failure.
func withPool(ctx context.Context, dir string, how access, f func(*vos.Pool) error) error {
	p, err := openPool(ctx, dir, how)
	if err != nil {
		return err
	}
	err = f(p)
	if cErr := p.Close(); cErr != nil && err == nil {
		err = cErr
	}
	return err
}

// openPool checks that dir exists before recovering the pool in it, so
// that a mistyped path is told apart from a damaged pool. Open's own
// errors already name the pool and the damaged file, record or offset.
func openPool(ctx context.Context, dir string, how access) (*vos.Pool, error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, daos.Errorf(daos.ErrNonexist, "no VOS pool at %s: no such directory", dir)
	case err != nil:
		return nil, fmt.Errorf("no VOS pool at %s: %w", dir, err)
	case !fi.IsDir():
		return nil, daos.Errorf(daos.ErrNonexist, "no VOS pool at %s: not a directory", dir)
	}
	var p *vos.Pool
	if how == writable {
		p, err = vos.Open(ctx, dir)
	} else {
		p, err = vos.OpenReadOnly(ctx, dir)
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, fmt.Errorf("%w (ddb works on offline pools: stop the engine that has it open)", err)
	}
	return p, err
}

// parsePath reads a path argument that must go down to exactly level.
func parsePath(s string, level vos.PathLevel) (vos.Path, error) {
	at, err := vos.ParsePath(s)
	if err != nil {
		return at, err
	}
	if at.Level != level {
		shape := vos.Path{Level: level}.Shape()
		return at, daos.Errorf(daos.ErrInval, "path %q goes down to the %s; this command needs %s", s, at.Level, shape)
	}
	return at, nil
}
