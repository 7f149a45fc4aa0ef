module github.com/histocount/histocount

go 1.26.0

// Builds use go1.27.3 (the Makefile and Dockerfile set GOTOOLCHAIN): 1.26.8's
// standard library has vulnerabilities the binaries reach (make vulncheck).
toolchain go1.27.3

// gocv is pinned to v0.31.0 on purpose: it is the last release that builds
// against Debian 12's libopencv-dev 4.6.0 (v0.32.1 and later need OpenCV
// 4.7+ and fail to compile on the aruco module). Do not upgrade it without
// moving the base OS to a newer OpenCV. v0.31 Mats have no finalizers:
// every Mat must be closed (tests run with -tags matprofile).
require gocv.io/x/gocv v0.31.0

require (
	codeberg.org/go-fonts/liberation v0.5.0
	codeberg.org/go-pdf/fpdf v0.11.1
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/schollz/progressbar/v3 v3.19.1
	golang.org/x/image v0.48.0
	golang.org/x/sync v0.25.0
	golang.org/x/term v0.44.0
	gonum.org/v1/gonum v0.17.0
	gonum.org/v1/plot v0.17.0
)

require (
	codeberg.org/go-latex/latex v0.2.0 // indirect
	git.sr.ht/~sbinet/gg v0.7.0 // indirect
	github.com/ajstarks/svgo v0.0.0-20211024235047-1546f124cd8b // indirect
	github.com/golang/freetype v0.0.0-20170609003504-e2365dfdc4a0 // indirect
	github.com/mitchellh/colorstring v0.0.0-20190213212951-d06e56a500db // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)
