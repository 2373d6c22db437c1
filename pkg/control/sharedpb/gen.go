// Package sharedpb holds the generated protobuf messages that the control
// and management services share (DAOS's package shared): rank results and
// RAS events. Regenerate with `go generate ./pkg/control/sharedpb` (needs
// protoc and protoc-gen-go v1.33.0 on PATH).
package sharedpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative shared.proto
