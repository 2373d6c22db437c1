// Package storage prepares and formats one engine's storage as
// daos_server.yml describes it: the SCM tier (class ram: a tmpfs mounted
// at scm_mount when running as root, otherwise the directory as it is)
// and emulated bdevs (class file: files of bdev_size GiB; class kdev:
// existing block devices). Formatting ends by writing the engine's
// superblock with a fresh UUID.
//
// It is what `daos_server start --auto-format` and, in a later stage,
// `dmg storage format` call. It does not handle PMem (class dcpm) or
// NVMe through SPDK (class nvme), which daos-go cannot drive yet, and
// it knows nothing of engine processes: the caller stops engines before
// a forced reformat.
package storage
