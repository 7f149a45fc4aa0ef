#!/bin/sh
# image-prune-needed.sh BINARY PACKAGES_OUT
#
# Run in the Dockerfile's build stage. gocv links every OpenCV module it wraps
# (highgui, videoio, dnn, imgcodecs, ...), and their Debian packages pull Qt,
# FFmpeg, GStreamer and GDAL into the runtime image although histocount only
# calls a few (core, imgproc, and dnn for its learned models). GNU ld decides DT_NEEDED before --gc-sections runs,
# so --as-needed cannot drop them; instead this script removes each OpenCV
# DT_NEEDED entry that defines none of the binary's undefined dynamic symbols,
# checks that every symbol still resolves, and writes the Debian packages
# owning the remaining libraries to PACKAGES_OUT (one per line).
set -eu
bin=$1
pkgs_out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Undefined dynamic symbols of the binary, without version suffixes.
nm -D --undefined-only "$bin" | awk '{print $2}' | sed 's/@.*//' | sort -u >"$tmp/undef"

libpath() { ldconfig -p | awk -v l="$1" '$1 == l { print $NF; exit }'; }

for lib in $(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }'); do
	case $lib in libopencv_*) ;; *) continue ;; esac
	path=$(libpath "$lib")
	[ -n "$path" ] || { echo "image-prune-needed: $lib not found" >&2; exit 1; }
	if nm -D --defined-only "$path" | awk '{print $3}' | sed 's/@.*//' | grep -qxF -f "$tmp/undef"; then
		echo "image-prune-needed: keep $lib" >&2
	else
		echo "image-prune-needed: drop $lib (no symbol used)" >&2
		patchelf --remove-needed "$lib" "$bin"
	fi
done

# Every function must still resolve (LD_BIND_NOW), else the pruning was wrong.
LD_BIND_NOW=1 ldd -r "$bin" >"$tmp/ldd" 2>&1 || true
if grep -E 'not found|undefined symbol' "$tmp/ldd" >&2; then
	echo "image-prune-needed: unresolved symbols after pruning" >&2
	exit 1
fi

# Map the remaining sonames to Debian packages (libm.so.6 -> libc6, ...).
: >"$tmp/pkgs"
for lib in $(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }'); do
	path=$(libpath "$lib")
	real=$(readlink -f "$path")
	# usrmerge: dpkg may know the file under /lib or /usr/lib only.
	{ dpkg -S "$path" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "*/$lib"; } |
		head -n1 | cut -d: -f1 >>"$tmp/pkgs"
done
sort -u "$tmp/pkgs" >"$pkgs_out"
echo "image-prune-needed: runtime packages: $(tr '\n' ' ' <"$pkgs_out")" >&2
