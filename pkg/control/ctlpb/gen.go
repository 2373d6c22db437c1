// Package ctlpb holds the generated protobuf messages and gRPC stubs of
// the per-host control service (ctl.CtlSvc) that dmg calls on
// daos_server. Do not edit the .pb.go files by hand; regenerate them with
// `go generate ./pkg/control/ctlpb` (needs protoc, protoc-gen-go v1.33.0
// and protoc-gen-go-grpc v1.3.0 on PATH). CI builds the committed files and
// needs no protoc.
package ctlpb

//go:generate protoc -I . -I ../sharedpb --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative ctl.proto
