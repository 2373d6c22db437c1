// Package agentpb holds the generated protobuf messages daos_agent serves
// to libdaos for credentials (attach info uses pkg/control/mgmtpb). Do
// not edit agent.pb.go by hand; regenerate it with
// `go generate ./pkg/agent/agentpb` (needs protoc and protoc-gen-go
// v1.33.0 on PATH).
package agentpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative agent.proto
