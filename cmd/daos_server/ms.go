package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"google.golang.org/grpc"

	"github.com/daos-go/daos/pkg/build"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/mgmtsvc"
	"github.com/daos-go/daos/pkg/control/msdb"
	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/control/system"
)

// controlAddr is where this server listens for gRPC and the address the
// rest of the system knows it by.
type controlAddr struct {
	listen  string // what net.Listen binds
	local   string // how others reach it (host:port)
	replica bool   // local is one of mgmt_svc_replicas
}

// resolveControlAddr works out the control addresses. control_iface names
// an interface whose first IPv4 address is bound; daos-go also accepts an
// IPv4 address there, so several servers can share one host on loopback
// addresses (tests, emulated clusters). Without it the server binds every
// address and is known by the replica entry that names one of this host's
// addresses, or else by its first non-loopback IPv4 address.
func resolveControlAddr(ctx context.Context, cfg *config.Server) (controlAddr, error) {
	port := strconv.Itoa(cfg.Port)
	var bound net.IP
	if cfg.ControlIface != "" {
		ip, err := ifaceIPv4(cfg.ControlIface)
		if err != nil {
			return controlAddr{}, fmt.Errorf("control_iface: %w", err)
		}
		bound = ip
	}
	local := map[string]bool{}
	if bound != nil {
		local[bound.String()] = true
	} else {
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			return controlAddr{}, fmt.Errorf("list this host's addresses: %w", err)
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				local[ipn.IP.String()] = true
			}
		}
	}
	ca := controlAddr{listen: net.JoinHostPort("", port)}
	if bound != nil {
		ca.listen = net.JoinHostPort(bound.String(), port)
		ca.local = ca.listen
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var firstReplica string
	for _, r := range cfg.MgmtSvcReplicas {
		host, rport, err := net.SplitHostPort(r)
		if err != nil {
			return controlAddr{}, fmt.Errorf("mgmt_svc_replicas entry %q: %w", r, err)
		}
		// A replica that cannot be resolved would silently make this
		// server a non-replica (and the raft group a voter short).
		ips, err := net.DefaultResolver.LookupIP(rctx, "ip", host)
		if err != nil {
			return controlAddr{}, fmt.Errorf("mgmt_svc_replicas entry %q: %w", r, err)
		}
		if firstReplica == "" {
			firstReplica = net.JoinHostPort(ips[0].String(), rport)
		}
		if rport != port {
			continue
		}
		for _, ip := range ips {
			if local[ip.String()] {
				ca.local, ca.replica = r, true
				return ca, nil
			}
		}
	}
	if ca.local == "" {
		ca.local = net.JoinHostPort(routeTo(firstReplica), port)
	}
	return ca, nil
}

// routeTo is the local address the host uses to reach addr (the source
// address the management service sees), found by a UDP "connection",
// which sends nothing. It falls back to the first non-loopback IPv4.
func routeTo(addr string) string {
	if addr != "" {
		if c, err := net.Dial("udp", addr); err == nil {
			defer c.Close()
			if ua, ok := c.LocalAddr().(*net.UDPAddr); ok && !ua.IP.IsUnspecified() {
				return ua.IP.String()
			}
		}
	}
	return firstIPv4()
}

// ifaceIPv4 is an interface's first IPv4 address, or the address itself
// when name is one.
func ifaceIPv4(name string) (net.IP, error) {
	if ip := net.ParseIP(name); ip != nil && ip.To4() != nil {
		return ip.To4(), nil
	}
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return nil, fmt.Errorf("interface %q: %w", name, err)
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		return nil, fmt.Errorf("interface %q: %w", name, err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
			return ipn.IP.To4(), nil
		}
	}
	return nil, fmt.Errorf("interface %q has no IPv4 address", name)
}

func firstIPv4() string {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() {
				return ipn.IP.String()
			}
		}
	}
	return "127.0.0.1"
}

// raftDir is where this replica keeps the management database: under
// control_metadata when set, else in engine 0's SCM mount (DAOS's rule).
func raftDir(cfg *config.Server) (string, error) {
	if cfg.ControlMetadata != nil && cfg.ControlMetadata.Path != "" {
		return filepath.Join(cfg.ControlMetadata.Path, "daos_control", "control_raft"), nil
	}
	if len(cfg.Engines) > 0 {
		for _, t := range cfg.Engines[0].Storage {
			if t.IsSCM() && t.ScmMount != "" {
				return filepath.Join(t.ScmMount, "control_raft"), nil
			}
		}
	}
	return "", errors.New("this server is a management service replica but has neither control_metadata nor an engine with an SCM mount to keep the database in")
}

// mgmtPlane is the management service as this server runs it.
type mgmtPlane struct {
	addr      controlAddr
	svc       *mgmtsvc.Service
	conns     *mgmtsvc.Conns
	transport *msdb.Transport
	client    mgmtpb.MgmtSvcClient
	dial      []grpc.DialOption // credentials and proxy use for other servers
}

// newMgmtPlane builds the management service; register must be called on
// the gRPC server before it serves.
func newMgmtPlane(cfg *config.Server, addr controlAddr, dial []grpc.DialOption, log *slog.Logger) (*mgmtPlane, error) {
	conns := mgmtsvc.NewConns(dial...)
	var crt uint32
	if len(cfg.Engines) > 0 {
		crt = uint32(cfg.Engines[0].CrtTimeout)
	}
	svc := mgmtsvc.New(mgmtsvc.Options{
		System: cfg.Name, Version: build.DaosVersion, Local: addr.local, Replicas: cfg.MgmtSvcReplicas,
		DB: system.NewDatabase(), Hosts: conns, Conns: conns, Provider: cfg.Provider, CrtTimeout: crt, Logger: log,
		ClientEnvVars: cfg.ClientEnvVars,
	})
	cc, err := conns.Get(addr.local)
	if err != nil {
		return nil, err
	}
	return &mgmtPlane{addr: addr, svc: svc, conns: conns, client: mgmtpb.NewMgmtSvcClient(cc), dial: dial}, nil
}

func (p *mgmtPlane) register(gs *grpc.Server) {
	mgmtpb.RegisterMgmtSvcServer(gs, p.svc)
	if p.addr.replica {
		p.transport = msdb.NewTransport(gs, p.addr.local, p.dial...)
	}
}

// run serves the management service until ctx ends: the leader's duties,
// and, on a replica, the raft replica once engine 0's storage (which
// holds the database) is formatted.
func (p *mgmtPlane) run(ctx context.Context, cfg *config.Server, srv *server.Server, log *slog.Logger) {
	// The engines exist only now; the leader hands pool calls to them.
	p.svc.SetPoolEngines(srv)
	go p.svc.Run(ctx)
	if !p.addr.replica {
		<-ctx.Done()
		return
	}
	dir, err := raftDir(cfg)
	if err != nil {
		log.Error("management service replica not started", "err", err)
		<-ctx.Done()
		return
	}
	if len(cfg.Engines) > 0 && (cfg.ControlMetadata == nil || cfg.ControlMetadata.Path == "") {
		formatted, err := srv.Formatted(0)
		if err == nil {
			select {
			case <-formatted:
			case <-ctx.Done():
				return
			}
		}
	}
	rep, err := msdb.Open(msdb.Config{Dir: dir, Replicas: cfg.MgmtSvcReplicas, Transport: p.transport,
		DB: p.svc.DB(), Logger: log})
	if err != nil {
		log.Error("management service replica not started", "err", err)
		<-ctx.Done()
		return
	}
	log.Info("management service replica started", "dir", dir, "replicas", cfg.MgmtSvcReplicas, "local", p.addr.local)
	p.svc.SetReplica(rep)
	<-ctx.Done()
	p.svc.SetReplica(nil)
	if err := rep.Close(); err != nil {
		log.Warn("management service replica did not close cleanly", "err", err)
	}
}

func (p *mgmtPlane) close() {
	p.conns.Close()
	if p.transport != nil {
		p.transport.Close()
	}
}
