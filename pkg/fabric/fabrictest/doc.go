// Package fabrictest is the conformance suite every fabric provider passes:
// ordered messages, size limits, bulk reads and writes of scatter-gather
// lists at odd offsets checked byte for byte, access checks, and what
// callers see when a peer or the local endpoint goes away. A provider's
// tests call Run with a function that opens its endpoints on loopback.
// It also has the goroutine-leak check the suites share.
package fabrictest
