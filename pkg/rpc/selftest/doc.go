// Package selftest measures the RPC layer the way DAOS's self_test does:
// an echo service (ping-pong of messages, bulk pull and push), clients
// that drive it with N calls in flight and report latency percentiles and
// bandwidth, and the raw Go TCP baselines (a request/response loop and a
// plain stream copy) that the figures are compared with in the same run.
package selftest
