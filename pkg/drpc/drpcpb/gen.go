// Package drpcpb holds the generated protobuf types of the dRPC envelope
// (Call, Response, Status). Do not edit drpc.pb.go by hand; regenerate it
// with `go generate ./pkg/drpc/drpcpb` (needs protoc and protoc-gen-go
// v1.33.0 on PATH).
package drpcpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative drpc.proto
