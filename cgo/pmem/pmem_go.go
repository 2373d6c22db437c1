//go:build !pmdk || !cgo

package pmem

// Backend names the implementation behind Create and Open.
const Backend = "go"

func defaultMapper() mapper { return goMapper() }

// pmdkMapper reports that the libpmem backend is not compiled in.
func pmdkMapper() (mapper, bool) { return mapper{}, false }
