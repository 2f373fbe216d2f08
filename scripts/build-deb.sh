#!/bin/bash
# Build build/deb/pfsyncd_<version>_<arch>.deb with dpkg-buildpackage from a
# copy of the tree (dpkg-buildpackage writes its results into the parent
# of the source directory, so the copy lives in build/deb/src), then print
# lintian's summary.
#   DEB_VERSION=0.2~test scripts/build-deb.sh   another version (a new
#                                               changelog entry on top)
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
OUT=$TOP/build/deb
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
version=${DEB_VERSION:-$version}
SRC=$OUT/src/pfsyncd-$version
rm -rf "$OUT/src"
mkdir -p "$SRC"
tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$SRC"
if [ "$version" != "$(dpkg-parsechangelog -l debian/changelog -S Version)" ]; then
	{
		echo "pfsyncd ($version) unstable; urgency=medium"
		echo
		echo "  * Rebuilt as $version."
		echo
		echo " -- pfsyncd developers <pfsyncd@lists.example.org>  $(date -R)"
		echo
		cat debian/changelog
	} >"$SRC/debian/changelog"
fi
(cd "$SRC" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-} noddebs" \
	dpkg-buildpackage -b -us -uc >"$OUT/build-$version.log" 2>&1) || {
	tail -40 "$OUT/build-$version.log"
	echo "build-deb: dpkg-buildpackage failed (log: $OUT/build-$version.log)"
	exit 1
}
arch=$(dpkg --print-architecture)
deb=$OUT/src/pfsyncd_${version}_${arch}.deb
mv "$deb" "$OUT/"
mv "$OUT/src/"*.buildinfo "$OUT/src/"*.changes "$OUT/" 2>/dev/null || true
rm -rf "$OUT/src"
deb=$OUT/pfsyncd_${version}_${arch}.deb
echo "built $deb"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print "    " $0 }'
if command -v lintian >/dev/null; then
	# every tag, pedantic and overridden ones included (the overrides,
	# each with its reason, are in debian/pfsyncd.lintian-overrides)
	lintian --fail-on none --tag-display-limit 0 -I -E --pedantic \
		--show-overrides "$deb" 2>&1 | grep -v 'root privileges' \
		>"$OUT/lintian-$version.txt" || true
	echo "lintian (build/deb/lintian-$version.txt):"
	for t in E W I P O; do
		printf '    %s: %s\n' "$t" \
			"$(grep -c "^$t: " "$OUT/lintian-$version.txt")"
	done
	sed 's/^/    /' "$OUT/lintian-$version.txt"
fi
