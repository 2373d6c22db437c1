// Command libdaos is the Go core of the C library: built with
// -buildmode=c-shared into libdaos_core.so, which the C layer (src/client,
// the libdaos.so.2 applications link) loads with dlopen on the first
// daos_init. The C layer owns the public symbols and their const-qualified
// prototypes; this core exports differently named functions (dgo_*) and
// gathers them in one table, dgo_ops, the C layer looks up once.
//
// Loading late, rather than linking the Go runtime into every program that
// links libdaos, is what lets a program fork before it first calls DAOS:
// a Go runtime started before fork() does not survive in the child.
package main

func main() {}
