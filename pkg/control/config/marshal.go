package config

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Marshal writes the config as daos_server.yml YAML, with keys in the
// template's order and unset optional keys left out. Engine fabric keys
// that only repeat the top-level value are left out too, so the file
// reads as written by hand.
func (s *Server) Marshal() ([]byte, error) {
	out := *s
	out.Engines = make([]*Engine, len(s.Engines))
	for i, e := range s.Engines {
		c := *e
		if c.Provider == s.Provider {
			c.Provider = ""
		}
		if c.Interface == s.Interface {
			c.Interface = ""
		}
		if c.InterfacePort == s.InterfacePort {
			c.InterfacePort = 0
		}
		out.Engines[i] = &c
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&out); err != nil {
		return nil, fmt.Errorf("encode server config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode server config: %w", err)
	}
	return buf.Bytes(), nil
}
