// Package telemetry is daos_server's Prometheus endpoint and the client
// dmg uses to read one.
//
// A Registry holds its own prometheus.Registry (never the global default
// one) with these metrics:
//
//	daos_server_engine_state{engine,state}             gauge, 1 for the engine's current state, 0 for the others
//	daos_server_engine_restarts_total{engine}          counter, automatic restarts after unexpected exits
//	daos_server_engine_last_exit_code{engine}          gauge, the last engine process's exit code (-1: killed by a signal); absent until one exited
//	daos_server_drpc_requests_total{module,method,status} counter, calls served on daos_server.sock
//	daos_server_drpc_request_duration_seconds{module,method} histogram of their handler time
//	daos_server_grpc_requests_total{method,code}       counter, control-service calls (after authorization)
//	daos_server_grpc_request_duration_seconds{method}  histogram of their time
//	go_*, process_*                                    the Go runtime and process collectors
//
// dRPC modules and methods are labelled by number, as they appear on the
// wire.
package telemetry
