// Command ddb is the DAOS debug tool: it opens a target's VOS pool offline
// (the engine must not hold it) to look inside and make small repairs.
//
//	ddb ls     <pool-dir> [path]   what is stored at a path
//	ddb dump   <pool-dir> <akey path>  a value or array as of an epoch
//	ddb space  <pool-dir>          SCM, NVMe, journal and checkpoint usage
//	ddb verify <pool-dir>          read every version, report damage
//	ddb punch  <pool-dir> /<cont>/<oid> --write-mode   punch an object
//
// Paths are "/<container uuid>/<oid hi.lo>/<dkey>/<akey>"; keys are text
// when printable, else 0x and hex.
//
// Every command but punch opens the pool read-only (vos.OpenReadOnly): it
// changes no file, not even to make the repairs an ordinary open makes
// after a crash, and sees exactly what the engine would recover. Only
// commands given --write-mode open the pool for writing.
package main

import "github.com/daos-go/daos/pkg/cmdutil"

func main() {
	cmdutil.Main(newRoot())
}
