# syntax=docker/dockerfile:1
#
# histocount batch image: a multi-stage build of the cgo binary (gocv 0.31 on
# Debian 12's OpenCV 4.6) on a slim Debian runtime with only the OpenCV
# libraries the binary really calls.
#
#   docker build -t histocount .                       # any registry-backed builder
#   bash scripts/image.sh                              # this repo's machines (buildah, no registry)
#   docker run --rm -v $PWD/imgs:/data:ro -v $PWD/out:/out histocount \
#       cells --stain trypan --out /out /data/plate1.tif
#
# The two bases are build args so that machines without registry access can
# pass local equivalents (scripts/base-image.sh makes them with debootstrap).
# Both must be Debian 12 (bookworm): the runtime stage installs the same
# libopencv*406 packages the build stage linked against.
ARG GO_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------- build ----
FROM ${GO_IMAGE} AS build

# patchelf and binutils (nm, objdump) are for scripts/image-prune-needed.sh;
# ca-certificates lets `go mod download` reach the module proxy over https.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libopencv-dev pkg-config gcc g++ binutils patchelf ca-certificates \
 && rm -rf /var/lib/apt/lists/*

ENV CGO_ENABLED=1 \
    GOFLAGS=-buildvcs=false \
    GOTOOLCHAIN=go1.27.3 \
    GOCACHE=/root/.cache/go-build
WORKDIR /src

# Module downloads get their own layer, rebuilt only when go.mod/go.sum
# change. GOPROXY/GOSUMDB default to Go's own; scripts/image.sh passes
# GOPROXY=file:///goproxy with the host's module cache mounted there (go.sum
# still verifies every module) when the build cannot reach the proxy itself.
ARG GOPROXY=https://proxy.golang.org,direct
ARG GOSUMDB=sum.golang.org
COPY go.mod go.sum ./
RUN GOPROXY="${GOPROXY}" GOSUMDB="${GOSUMDB}" go mod download

COPY . .

ARG VERSION=dev
ARG COMMIT=unknown
# PKG is the command to build; it only changes for smoke tests of the build.
ARG PKG=./cmd/histocount
# Section-per-function C/C++ objects plus --gc-sections drop the gocv
# wrappers the program never calls (highgui, videoio, dnn, ...), so that
# image-prune-needed.sh can then drop those libraries from DT_NEEDED and the
# runtime stage does not pull Qt, FFmpeg, GStreamer and GDAL.
# GOPROXY=off: everything must come from the layer above. The compile cache
# is a cache mount, so source-only changes skip recompiling gocv's C++.
RUN --mount=type=cache,target=/root/.cache/go-build \
    GOPROXY=off \
    CGO_CFLAGS="-O2 -g0 -ffunction-sections -fdata-sections" \
    CGO_CXXFLAGS="-O2 -g0 -ffunction-sections -fdata-sections" \
    CGO_LDFLAGS="-Wl,--gc-sections" \
    go build -trimpath \
        -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
        -o /out/histocount "${PKG}" \
 && sh scripts/image-prune-needed.sh /out/histocount /out/runtime-packages.txt

# -------------------------------------------------------------- runtime ----
FROM ${RUNTIME_IMAGE}

# Exactly the Debian packages that own the binary's DT_NEEDED libraries
# (computed in the build stage; now libopencv-core406, -imgproc406, -dnn406
# and libc/libstdc++). libopencv-core406 needs libGLX.so.0 (OpenGL interop), and
# Debian's libglx0 hard-depends on the Mesa driver stack (libgl1-mesa-dri,
# libllvm15, ~220 MB). histocount never opens a GL context, so a two-line
# package that Provides libglx-mesa0 stands in for it; apt stays consistent
# and `apt-get install libglx-mesa0` would still bring the real one.
COPY --from=build /out/runtime-packages.txt /tmp/runtime-packages.txt
RUN mkdir -p /tmp/no-gl/DEBIAN \
 && printf '%s\n' 'Package: histocount-no-gl-driver' 'Version: 1.0' 'Architecture: all' \
        'Maintainer: histocount' 'Provides: libglx-mesa0' \
        'Description: stands in for the Mesa GLX driver (histocount never uses OpenGL)' \
        >/tmp/no-gl/DEBIAN/control \
 && dpkg-deb --build /tmp/no-gl /tmp/no-gl.deb >/dev/null \
 && dpkg -i /tmp/no-gl.deb >/dev/null \
 && apt-get update \
 && xargs -a /tmp/runtime-packages.txt \
        env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
        /tmp/runtime-packages.txt /tmp/no-gl /tmp/no-gl.deb \
 && useradd --uid 10001 --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin histocount \
 && mkdir -p /data /out \
 && chown 10001:10001 /out

COPY --from=build /out/histocount /usr/local/bin/histocount
# Fail the build, not the first job on the cluster, if a library or symbol is
# missing: LD_BIND_NOW resolves every function, not only those called.
RUN LD_BIND_NOW=1 ldd -r /usr/local/bin/histocount >/tmp/ldd.txt 2>&1; \
    if grep -E 'not found|undefined symbol' /tmp/ldd.txt; then exit 1; fi; \
    rm -f /tmp/ldd.txt

# Labels last: VERSION/COMMIT change on every commit and would otherwise
# invalidate the cached apt layer above.
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="histocount" \
      org.opencontainers.image.description="Cell counts/viability, colony CFE and skin-section thickness from microscopy images (batch CLI)" \
      org.opencontainers.image.source="https://github.com/histocount/histocount" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"

USER 10001:10001
WORKDIR /data
VOLUME ["/data", "/out"]
# Batch image: no HEALTHCHECK, no EXPOSE. Exit codes are histocount's own
# (0 ok, 3 = at least one unreadable image, ...).
ENTRYPOINT ["histocount"]
CMD ["--help"]
