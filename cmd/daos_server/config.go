package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/daos-go/daos/pkg/control/config"
)

const defaultConfigPath = config.DefaultServerConfigPath

// configFlags are -o/--config and --ignore-config.
type configFlags struct {
	path   string
	ignore bool
	// fallback replaces the default path in tests.
	fallback string
	// log holds the global logging and proxy flags, which start applies
	// with the config.
	log logFlags
}

// load reads the server config: the -o file (which must exist), else the
// default file if there is one. It returns nil without error when there
// is no config to read.
func (f *configFlags) load() (*config.Server, error) {
	if f.ignore {
		return nil, nil
	}
	path, explicit := f.path, f.path != ""
	if !explicit {
		path = defaultConfigPath
		if f.fallback != "" {
			path = f.fallback
		}
	}
	src, err := config.ReadSource(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("load server config: %w", err)
	}
	return config.LoadServer(src)
}

// resolved is the config file load reads.
func (f *configFlags) resolved() string {
	switch {
	case f.path != "":
		return f.path
	case f.fallback != "":
		return f.fallback
	}
	return defaultConfigPath
}
