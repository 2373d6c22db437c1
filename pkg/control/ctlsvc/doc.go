// Package ctlsvc serves ctl.CtlSvc, the per-host gRPC control service of
// daos_server: storage, network and topology scans of this host, storage
// format of its engines, and a query of its engines' states. It is a thin
// layer over the engine supervisor and the hardware scanners, reached
// through small interfaces; the management service (ranks, pools) is not here.
package ctlsvc
