package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The HTML reports and passports are checked as a user sees them: rendered
// by headless Chromium (Debian package chromium) and, for the PDFs, read
// back with pdftotext (poppler-utils). scripts/install-deps.sh installs
// both for `make test`. Locally a missing tool skips the check; in CI (the
// CI variable set) it fails, so the check never silently disappears.

func needTool(t *testing.T, names ...string) string {
	t.Helper()
	if raceEnabled {
		t.Skip("browser/PDF checks run in the non-race pass of make test")
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not installed: run scripts/install-deps.sh (CI must not skip the browser/PDF checks)", strings.Join(names, " or "))
	}
	t.Skipf("%s not installed (scripts/install-deps.sh installs it; in CI this fails)", strings.Join(names, " or "))
	return ""
}

// chromium renders the local HTML file page in headless Chromium and
// returns a screenshot and the DOM after scripts ran.
func chromium(t *testing.T, page string) (image.Image, string) {
	t.Helper()
	bin := needTool(t, "chromium", "chromium-browser", "google-chrome")
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	profile := t.TempDir()
	shot := filepath.Join(t.TempDir(), "shot.png")
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--hide-scrollbars", "--user-data-dir=" + profile}
	runIt := func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
		}
		return stdout.Bytes()
	}
	runIt("--window-size=1100,1600", "--screenshot="+shot, "file://"+abs)
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("HISTOCOUNT_SCREENSHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, strings.TrimSuffix(filepath.Base(filepath.Dir(abs)), "/")+"-"+filepath.Base(abs)+".png"), b, 0o644)
	}
	dom := string(runIt("--dump-dom", "file://"+abs))
	return img, dom
}

// notBlank fails unless the screenshot shows a page: enough non-white
// pixels and several colours (text, banner, figure).
func notBlank(t *testing.T, img image.Image) {
	t.Helper()
	b := img.Bounds()
	inked, colours := 0, map[[3]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xe000 || g < 0xe000 || bl < 0xe000 {
				inked++
			}
			if len(colours) < 1000 {
				colours[[3]uint32{r >> 12, g >> 12, bl >> 12}] = true
			}
		}
	}
	total := (b.Dx() / 2) * (b.Dy() / 2)
	if frac := float64(inked) / float64(total); !(frac > 0.03) || len(colours) < 20 {
		t.Errorf("screenshot looks blank: %.1f %% inked, %d colours", 100*frac, len(colours))
	}
}

// pdfText returns the text of a PDF (pdftotext -layout).
func pdfText(t *testing.T, pdf string) string {
	t.Helper()
	bin := needTool(t, "pdftotext")
	out, err := exec.Command(bin, "-layout", pdf, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext %s: %v\n%s", pdf, err, out)
	}
	return string(out)
}

// pdfPages returns the page count (pdfinfo).
func pdfPages(t *testing.T, pdf string) int {
	t.Helper()
	bin := needTool(t, "pdfinfo")
	out, err := exec.Command(bin, pdf).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "Pages:" {
			n := 0
			for _, c := range f[1] {
				n = n*10 + int(c-'0')
			}
			return n
		}
	}
	t.Fatalf("pdfinfo: no page count\n%s", out)
	return 0
}

// mustContain checks that text shows every want, whitespace and line
// breaks counting as one space (a PDF wraps lines).
func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(text), " ")
	for _, w := range wants {
		if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("%s does not show %q", what, w)
		}
	}
}
