#!/usr/bin/env bash
# Installs what mitmlab needs to build and test on Debian 12 (bookworm).
# Used by the README's install command and by CI, so the two never drift.
set -euo pipefail
packages=(
	build-essential pkg-config
	libssl-dev      # OpenSSL 3: EVP X25519, ffdhe, Ed25519, HKDF, AEAD
	openssl         # the openssl CLI: make's PKI freshness check, test_pki cross-checks
	libjansson-dev  # JSON-lines events
	libcmocka-dev   # unit tests
	libpcap-dev     # mallory's capture, the lab's wire.pcap
	libinih-dev     # scenario files
	libmnl-dev      # netlink: the lab network, built in-process
	libnet1-dev     # mallory's forged ARP frames
	libncurses-dev  # the dashboard (ncursesw)
	iproute2        # ip(8), for people inspecting a lab by hand
	util-linux      # setpriv/runuser, for the rootless test
	tshark          # reading wire.pcap in tests
	clang libclang-rt-14-dev  # libFuzzer: make fuzz, and make test builds every harness
	liblua5.2-dev   # Lua 5.2 headers: the dissector's crypto module (tools/wireshark/mitmlab_crypto.c)
	tcpdump         # inside a held lab (mitmlab shell), and test_shell
	bash            # test_shell sends datagrams with bash's /dev/udp
	tmux            # the dashboard's screen tests (a real terminal)
	mandoc          # man pages: mandoc -T lint in test_docs
	pari-gp         # make bench: PARI/GP znlog as the discrete-log yardstick
	python3-scapy   # examples/scapy_arp_relay.py, an attacker of one's own (tests/integration/test_byoa.c)
	mininet bridge-utils iputils-ping  # tools/mininet: Mininet 2.3.0, LinuxBridge switches (tests/integration/test_mininet.c)
)
sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${packages[@]}"
# Node.js and npm for the independent ML-KEM oracle (tests/oracle: noble's
# @noble/post-quantum 0.7.1, pinned by its package-lock.json). A machine that
# has Node.js already keeps it; Debian's packages otherwise (Node.js 18 in
# Debian 12: the oracle runs on it and on 20, though noble's package.json asks
# for >= 20.19, so npm prints an EBADENGINE warning there and goes on).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	$sudo apt-get install -y --no-install-recommends nodejs npm
fi
# Installed once: npm ci (from npm's cache when it can) only when the installed
# tree is missing, incomplete, or not the locked version, so a second run needs
# no network.
oracle=$(cd "$(dirname "$0")/../tests/oracle" && pwd)
want=$(node -p "require('$oracle/package-lock.json').packages['node_modules/@noble/post-quantum'].version")
have=$(node -p "require('$oracle/node_modules/@noble/post-quantum/package.json').version" 2>/dev/null || true)
if [ "$have" != "$want" ] || ! npm ls --prefix "$oracle" --all >/dev/null 2>&1; then
	npm ci --prefix "$oracle" --prefer-offline --no-audit --no-fund --loglevel=error
fi
