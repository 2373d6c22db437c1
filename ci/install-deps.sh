#!/usr/bin/env bash
# Installs the Debian packages that building and testing daos-go needs.
# Idempotent: when everything is present it only checks and exits.
# On a non-Debian system, or without root, it names what is missing and
# exits non-zero.
set -euo pipefail

# Build tools and the C libraries behind the cgo backends (see
# docs/architecture.md); -bin packages bring the tools tests call.
packages=(
	gcc pkg-config scons git
	libfabric-dev libfabric-bin
	libpmem-dev libpmemobj-dev
	libisal-dev
	uuid-dev libcmocka-dev
	fuse3
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
	for p in "${packages[@]}"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[[ "$status" == "install ok installed" ]] || missing+=("$p")
	done
else
	echo "install-deps: not a Debian system (no dpkg-query); install the equivalents of: ${packages[*]}" >&2
	exit 1
fi

if ((${#missing[@]} == 0)); then
	echo "install-deps: all ${#packages[@]} packages present"
else
	if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
		echo "install-deps: missing packages: ${missing[*]}" >&2
		echo "install-deps: as root run: apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null 2>&1; then
	echo "install-deps: go is not on PATH; install Go 1.26 first" >&2
	exit 1
fi
