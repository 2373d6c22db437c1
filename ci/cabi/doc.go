// Package cabi checks the C side of the libdaos ABI from go test: the
// public headers in src/include (each compiles alone as C11 and C++17,
// and every size, offset and constant of ABI.md holds) and the pure-C
// libgurt sources in src/gurt (hash table, DER names, key hashes), with
// gcc, g++ and cmocka. It holds tests only; it is not a library.
package cabi
