#!/bin/sh
# Install the Debian 12 packages pfsyncd builds and tests with.
# Quiet and idempotent: does nothing when everything is present.
set -eu
PKGS="build-essential clang libclang-rt-14-dev llvm libmnl-dev libsodium-dev
 pkg-config iproute2 nftables conntrack conntrackd tcpdump tshark keepalived socat
 python3 iputils-ping procps"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root to install)" >&2
	exit 0
fi
echo "deps: installing$missing"
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections 2>/dev/null || true
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
