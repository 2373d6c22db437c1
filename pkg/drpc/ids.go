package drpc

// Module selects a group of methods; the ids are DAOS's
// (src/include/daos/drpc_modules.h).
type Module int32

// DAOS dRPC modules.
const (
	ModuleTest     Module = 0
	ModuleSecAgent Module = 1
	ModuleMgmt     Module = 2
	ModuleSrv      Module = 3
	ModuleSec      Module = 4
)

// Method is a method id within a module. DAOS numbers methods globally
// (MGMT 2xx, SRV 3xx, ...), so an id alone names the method.
type Method int32

// MGMT methods served by an engine (server → engine).
const (
	MethodKillRank     Method = 201
	MethodSetRank      Method = 202
	MethodSetUp        Method = 209
	MethodPrepShutdown Method = 218
	MethodPingRank     Method = 225
	MethodGroupUpdate  Method = 232
)

// SRV methods served by daos_server (engine → server).
const (
	MethodNotifyReady  Method = 301
	MethodClusterEvent Method = 304
	// MethodGetEngineConfig is a daos-go addition: an engine started by
	// daos_server asks for its configuration instead of taking it from
	// command-line flags and environment variables.
	MethodGetEngineConfig Method = 390
)

// Methods served by daos_agent (libdaos → agent).
const (
	// MethodRequestCreds is SEC_AGENT's REQUEST_CREDS.
	MethodRequestCreds Method = 101
	// MethodGetAttachInfo is MGMT's GET_ATTACH_INFO.
	MethodGetAttachInfo Method = 206
)
