// Package control is the home of daos_server's control plane. Its
// subpackages each hold one part: config (the YAML files of daos_server and
// dmg), hostlist (host-set expressions such as node[1-4]), confgen (a
// server config proposed from discovered hardware), superblock and storage
// (engine storage identity and format) and server (engine launch and
// supervision). Hardware discovery
// itself lives in pkg/hardware.
package control
