"""Build helpers for daos-go: C library detection and Go invocation.

SCons decides which C backends are available and which Go build tags follow;
Go's own build cache does the incremental work, so every Go target is always
handed to `go build`, which returns quickly when nothing changed.
"""

import os
import subprocess

# Each backend: the build tag it turns on, how to find it, and the Debian
# package that provides it (for the message when it is missing).
BACKENDS = [
    {"name": "ofi", "tag": "ofi", "pkgconfig": "libfabric", "debian": "libfabric-dev",
     "what": "libfabric (network data path)"},
    {"name": "pmdk", "tag": "pmdk", "pkgconfig": "libpmem", "debian": "libpmem-dev",
     "what": "PMDK libpmem (SCM persistence)"},
    {"name": "isal", "tag": "isal", "pkgconfig": "libisal", "debian": "libisal-dev",
     "what": "ISA-L (checksums, erasure coding)"},
    {"name": "spdk", "tag": "spdk", "pkgconfig": "spdk_nvme", "debian": None,
     "what": "SPDK (user-space NVMe)"},
]

# Backends that have Go code behind their tag today. SPDK is detected and
# reported, but there is no SPDK code yet, so its tag is never set.
IMPLEMENTED = {"ofi", "pmdk", "isal"}


def pkg_config_version(name):
    """Returns the module's version, or None when pkg-config cannot find it."""
    try:
        out = subprocess.run(["pkg-config", "--modversion", name], capture_output=True,
                             text=True, check=False)
    except FileNotFoundError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def choose_tags(env):
    """Detects each backend and returns (tags, report lines, errors)."""
    tags, report, errors = [], [], []
    go_only = env["GO_ONLY"]
    for b in BACKENDS:
        want = "no" if go_only else env[b["name"].upper()]
        version = pkg_config_version(b["pkgconfig"])
        found = "found %s" % version if version else "not found"
        if want == "no":
            report.append("  %-5s %-36s %-16s off (forced)" % (b["name"], b["what"], found))
            continue
        if not version:
            if want == "yes":
                hint = (" (Debian package %s)" % b["debian"]) if b["debian"] else ""
                errors.append("%s=yes but pkg-config cannot find %s%s" %
                              (b["name"].upper(), b["pkgconfig"], hint))
            report.append("  %-5s %-36s %-16s off" % (b["name"], b["what"], found))
            continue
        if b["name"] not in IMPLEMENTED:
            if want == "yes":
                errors.append("%s=yes but daos-go has no %s backend yet" % (b["name"].upper(), b["name"]))
            report.append("  %-5s %-36s %-16s off (no backend yet)" % (b["name"], b["what"], found))
            continue
        tags.append(b["tag"])
        report.append("  %-5s %-36s %-16s on" % (b["name"], b["what"], found))
    return tags, report, errors


def git_commit(root):
    try:
        out = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unknown"


def commands(root):
    """Every binary: each folder under cmd/ with Go files."""
    cmd_dir = os.path.join(root, "cmd")
    return sorted(d for d in os.listdir(cmd_dir)
                  if any(f.endswith(".go") for f in os.listdir(os.path.join(cmd_dir, d))))


def headers_sum(root):
    """A digest of the C headers the Go core of libdaos compiles against
    (src/include, src/client/*.h), as ci/systest.HeadersSum computes it."""
    import hashlib
    files = []
    for d, _, names in os.walk(os.path.join(root, "src", "include")):
        files += [os.path.join(d, n) for n in names if n.endswith(".h")]
    cdir = os.path.join(root, "src", "client")
    files += [os.path.join(cdir, n) for n in os.listdir(cdir) if n.endswith(".h")]
    h = hashlib.sha256()
    for f in sorted(files):
        with open(f, "rb") as fh:
            b = fh.read()
        h.update(("%s\0%d\0" % (os.path.basename(f), len(b))).encode())
        h.update(b)
    return h.hexdigest()[:16]
