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
	// MethodSetLogMasks is SET_LOG_MASKS: it carries
	// enginepb.SetLogMasksReq.
	MethodSetLogMasks Method = 238
	// MethodSmdListDevs is SMD_LIST_DEVS: enginepb.SmdDevReq, the
	// engine's devices.
	MethodSmdListDevs Method = 211
	// MethodSmdListPools is SMD_LIST_POOLS: enginepb.SmdPoolReq, the
	// pools with shards on the engine's targets.
	MethodSmdListPools Method = 212
)

// MGMT pool and container methods served by an engine (server →
// engine); each carries the request of the gRPC call it serves.
const (
	MethodPoolCreate       Method = 207
	MethodPoolDestroy      Method = 208
	MethodPoolGetACL       Method = 213
	MethodPoolOverwriteACL Method = 215
	MethodPoolUpdateACL    Method = 216
	MethodPoolDeleteACL    Method = 217
	MethodPoolQuery        Method = 223
	MethodPoolSetProp      Method = 224
	MethodPoolReintegrate  Method = 226
	MethodPoolExclude      Method = 228
	MethodPoolExtend       Method = 229
	MethodPoolEvict        Method = 230
	MethodPoolDrain        Method = 231
	MethodPoolGetProp      Method = 237
	MethodPoolUpgrade      Method = 239
	MethodPoolQueryTargets Method = 240
	// MethodContSetOwner is CONT_SET_OWNER: it carries mgmt.ContSetOwnerReq.
	MethodContSetOwner Method = 227
)

// SRV methods served by daos_server (engine → server).
const (
	MethodNotifyReady  Method = 301
	MethodClusterEvent Method = 304
	// MethodPoolFindByLabel is SRV's POOL_FIND_BYLABEL: an engine asks
	// its server for a pool's UUID and service replicas.
	MethodPoolFindByLabel Method = 305
	// MethodValidateCreds is SEC's VALIDATE_CREDS: an engine asks its
	// server to check a client's credential.
	MethodValidateCreds Method = 401
	// MethodGetEngineConfig is a daos-go addition: an engine started by
	// daos_server asks for its configuration instead of taking it from
	// command-line flags and environment variables.
	MethodGetEngineConfig Method = 390
	// MethodGetMetrics is a daos-go addition: daos_server reads an
	// engine's I/O counters for its Prometheus endpoint.
	MethodGetMetrics Method = 391
)

// Methods served by daos_agent (libdaos → agent).
const (
	// MethodRequestCreds is SEC_AGENT's REQUEST_CREDS.
	MethodRequestCreds Method = 101
	// MethodGetAttachInfo is MGMT's GET_ATTACH_INFO.
	MethodGetAttachInfo Method = 206
)
