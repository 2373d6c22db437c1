// Package config reads, checks and writes the control plane's YAML files:
// daos_server.yml (Server) and daos_control.yml (Control, used by dmg).
//
// Parsing is strict, as in DAOS: a key the file format does not define, or
// a value of the wrong YAML type, is an error naming the file, the line and
// the key. Values are then checked against DAOS's rules (required keys,
// ranges, uniqueness across engines, storage tier rules) and every error
// says which key is wrong and why.
//
// The package does not look at the machine: checks that need hardware
// facts (RAM-disk sizing) take them as arguments, and checks that need the
// file system (socket_dir exists, certificate modes) belong to whoever
// starts the server.
package config
