package config

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Marshal writes the config as daos_server.yml YAML, with keys in the
// template's order and unset optional keys left out.
func (s *Server) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encode server config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode server config: %w", err)
	}
	return buf.Bytes(), nil
}
