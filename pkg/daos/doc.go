// Package daos holds the types every layer of daos-go shares: the DER_*
// error codes as Go errors, object ids, epochs, keys, I/O descriptors and
// the condition flags of DAOS's object API. It has no behaviour beyond
// validating and formatting these values, and imports nothing of ours.
package daos
