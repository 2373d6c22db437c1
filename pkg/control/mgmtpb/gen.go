// Package mgmtpb holds the generated protobuf messages and gRPC stubs of
// the management service (mgmt.MgmtSvc). Regenerate with `go generate
// ./pkg/control/mgmtpb` (needs protoc, protoc-gen-go v1.33.0 and
// protoc-gen-go-grpc v1.3.0 on PATH). CI builds the committed files.
package mgmtpb

//go:generate protoc -I . -I ../sharedpb --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative mgmt.proto pool.proto acl.proto cont.proto
