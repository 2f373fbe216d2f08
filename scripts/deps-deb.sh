#!/bin/sh
# Install what `make deb` needs on top of scripts/deps.sh: the Debian
# packaging tools.  Quiet and idempotent, like deps.sh.
set -eu
PKGS="build-essential debhelper dpkg-dev fakeroot lintian libmnl-dev
 libsodium-dev pkgconf"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps-deb: missing packages:$missing (run as root to install)" >&2
	exit 0
fi
echo "deps-deb: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
