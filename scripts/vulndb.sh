#!/usr/bin/env bash
# Builds an offline Go vulnerability database and prints its directory, for
# `govulncheck -db file://DIR`. The lab's machines (and this project's CI)
# cannot reach vuln.go.dev, but the Go module proxy serves golang.org/x/vulndb,
# whose data/osv reports its own cmd/gendb turns into the database format.
# The version is pinned so a scan is reproducible; bump it to pick up new
# reports. The result is cached: the first build takes a few minutes.
set -euo pipefail
VULNDB_VERSION="${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}"
out="${VULNDB_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/histocount/vulndb-$VULNDB_VERSION}"
if [ -f "$out/index/db.json" ]; then
	echo "$out"
	exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A throwaway module so `go mod download` never touches the project's go.mod.
(cd "$work" && go mod init vulndbfetch >/dev/null 2>&1 &&
	GOFLAGS=-mod=mod go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" >"$work/dl.json")
src="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$work/dl.json")"
[ -d "$src" ] || { echo "vulndb.sh: download of golang.org/x/vulndb@$VULNDB_VERSION failed" >&2; exit 1; }
# gendb reads the reports from a git repository; the module cache holds a plain tree.
cp -r "$src" "$work/repo"
chmod -R u+w "$work/repo"
(cd "$work/repo" && git init -q && git add -A >/dev/null &&
	git -c user.email=vulndb@histocount.invalid -c user.name=histocount commit -qm "golang.org/x/vulndb@$VULNDB_VERSION")
mkdir -p "$(dirname "$out")"
(cd "$work/repo" && go run ./cmd/gendb -repo . -out "$out.partial" >&2)
rm -rf "$out"
mv "$out.partial" "$out"
echo "$out"
