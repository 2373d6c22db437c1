// Package enginepb holds the generated protobuf payloads of the dRPC
// methods between daos_server and daos_engine. Do not edit engine.pb.go by
// hand; regenerate it with `go generate ./pkg/engine/enginepb` (needs
// protoc and protoc-gen-go v1.33.0 on PATH).
package enginepb

//go:generate protoc --go_out=. --go_opt=paths=source_relative engine.proto
