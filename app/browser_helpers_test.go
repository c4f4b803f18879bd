package app_test

// Helpers of the browser tests (browser_test.go): a headless Chromium driven
// with chromedp, steps that fail the test with a screenshot of the page,
// and the full-page screenshots kept as artifacts.

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/team"
)

// browserStep bounds each browser step (a page load, a click and what it
// waits for in the page): a hang guard, far above the second or less a step
// takes on a busy machine, so reaching it means a hang, not slowness. The
// browser lives until the test ends; showing a failed step (fail) has
// browserShow.
const (
	browserStep = 2 * time.Minute
	browserShow = 30 * time.Second
	// minPNG is the least size of a screenshot that shows a page.
	minPNG = 5 << 10
)

// chromiumPath returns the browser to drive: $AFTERSALE_CHROMIUM, else
// Debian's /usr/bin/chromium. Without it the test fails: the admin UI must
// be tested in a browser, so it is never skipped.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p, from := os.Getenv("AFTERSALE_CHROMIUM"), "AFTERSALE_CHROMIUM"
	if p == "" {
		p, from = "/usr/bin/chromium", "the default path"
	}
	st, err := os.Stat(p)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		t.Fatalf("no Chromium at %s (%s): the browser tests need it. Install Debian's chromium "+
			"(apt-get install chromium) or set AFTERSALE_CHROMIUM to the browser's path", p, from)
	}
	return p
}

// lockedBuffer collects the browser's output for the failure message.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 1<<20 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// browser is one tab of a headless Chromium.
type browser struct {
	t     *testing.T
	ctx   context.Context // the tab's; lives until the test ends
	base  string          // the app's URL
	width int             // of the viewport, in CSS pixels
	out   *lockedBuffer
}

// newBrowser starts a headless Chromium with a 1280x900 window and a fresh
// profile, and stops it when the test ends.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	exe := chromiumPath(t)
	profile := t.TempDir() // removed after the browser stops (cleanups run last in, first out)
	root, cancelRoot := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(root,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers have a small /dev/shm
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(out),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
		cancelRoot()
		if t.Failed() {
			if s := strings.TrimSpace(out.String()); s != "" {
				t.Logf("chromium output:\n%s", tail(s, 4000))
			}
		}
	})
	br := &browser{t: t, ctx: ctx, base: base, width: 1280, out: out}
	start := time.Now()
	// The first run starts the browser and binds the tab to ctx; the hang
	// guard runs beside it, so that it does not end the tab when it fires.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	guard, stop := context.WithTimeout(context.Background(), browserStep)
	defer stop()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start %s: %v\n%s", exe, err, tail(out.String(), 4000))
		}
	case <-guard.Done():
		t.Fatalf("%s did not start within %v (hang guard)\n%s", exe, browserStep, tail(out.String(), 4000))
	}
	t.Logf("chromium started in %v", time.Since(start).Round(time.Millisecond))
	return br
}

// phoneTab opens another tab of the same browser (it shares the cookies) with
// a viewport of width x height, emulating a phone; it closes when the test
// ends.
func (br *browser) phoneTab(width, height int64) *browser {
	br.t.Helper()
	ctx, cancel := chromedp.NewContext(br.ctx)
	br.t.Cleanup(cancel)
	// The first run binds the tab to the context it gets: the tab's own,
	// not a step's (a step's deadline would close the tab when it returns).
	if err := chromedp.Do(ctx); err != nil {
		br.fail("open a tab", err)
	}
	tab := &browser{t: br.t, ctx: ctx, base: br.base, width: int(width), out: br.out}
	tab.do("open a phone-sized tab", chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulateTouch))
	return tab
}

// do runs browser actions, within the hang guard browserStep; when one
// fails the test stops, with the page's URL, its text and a screenshot.
func (br *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	br.t.Helper()
	ctx, cancel := context.WithTimeout(br.ctx, browserStep)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		br.fail(what, stepErr(ctx, err))
	}
}

// get runs a browser action that returns a value, like do.
func get[T any](br *browser, what string, a chromedp.Action[T]) T {
	br.t.Helper()
	ctx, cancel := context.WithTimeout(br.ctx, browserStep)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		br.fail(what, stepErr(ctx, err))
	}
	return v
}

// stepErr says when a step failed because it reached the hang guard.
func stepErr(ctx context.Context, err error) error {
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("not done within %v (hang guard): %w", browserStep, err)
	}
	return err
}

// reloadUntil reloads the page until the text of the element sel satisfies
// ok, and returns that text: for what the page shows once the service has
// done work in the background, with no signal to wait on. Each round is a
// page load; the hang guard is browserStep.
func (br *browser) reloadUntil(what string, sel string, ok func(string) bool) string {
	br.t.Helper()
	var last string
	for deadline := time.Now().Add(browserStep); ; {
		last = get(br, what, chromedp.Text(chromedp.ID(sel)))
		if ok(last) {
			return last
		}
		if time.Now().After(deadline) {
			br.fail(what, fmt.Errorf("#%s still says %q after %v of reloading (hang guard)", sel, last, browserStep))
		}
		br.do(what+": reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID(sel)))
	}
}

// location returns the URL of the page.
func (br *browser) location() string {
	br.t.Helper()
	return get(br, "read the location", chromedp.Location())
}

// text returns the visible text of the page's main element.
func (br *browser) text() string {
	br.t.Helper()
	return get(br, "read the page", chromedp.Evaluate[string](`document.querySelector("main") ? document.querySelector("main").innerText : document.body.innerText`))
}

// fail stops the test with what the browser shows.
func (br *browser) fail(what string, err error) {
	br.t.Helper()
	ctx, cancel := context.WithTimeout(br.ctx, browserShow)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	shot := ""
	if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		shot = filepath.Join(artifactsDir(br.t), "FAILED-"+fileName(br.t.Name())+".png")
		if os.WriteFile(shot, buf, 0o644) != nil {
			shot = ""
		}
	}
	br.t.Fatalf("browser: %s: %v\npage %s (screenshot: %s):\n%s", what, err, loc, shot, tail(body, 3000))
}

// shot saves a full-page PNG of the page as <artifacts>/<name>.png and
// checks that it shows a page: a PNG of more than 5 KB, as wide as the
// viewport, with more than a few colours.
func (br *browser) shot(name string) string {
	br.t.Helper()
	buf := get(br, "screenshot "+name, chromedp.FullScreenshot(100))
	path := filepath.Join(artifactsDir(br.t), name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		br.t.Fatal(err)
	}
	checkPNG(br.t, path, br.width)
	return path
}

// checkPNG checks a screenshot file.
func checkPNG(t *testing.T, path string, width int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("screenshot %s: %v", path, err)
		return
	}
	if len(raw) <= minPNG {
		t.Errorf("screenshot %s has %d bytes, want more than %d", path, len(raw), minPNG)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Errorf("screenshot %s is not a PNG: %v", path, err)
		return
	}
	if w := img.Bounds().Dx(); w != width {
		t.Errorf("screenshot %s is %d pixels wide, want %d", path, w, width)
	}
	if n := colours(img, 64); n < 16 {
		t.Errorf("screenshot %s has %d colours: a blank page?", path, n)
	}
}

// colours counts the distinct colours of an image, up to limit.
func colours(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

var (
	artifactsOnce sync.Once
	artifactsPath string
	artifactsErr  error
)

// artifactsDir returns the directory of the screenshots, made if need be:
// $AFTERSALE_ARTIFACTS, else artifacts/screenshots in the module root.
func artifactsDir(t *testing.T) string {
	t.Helper()
	artifactsOnce.Do(func() {
		dir := os.Getenv("AFTERSALE_ARTIFACTS")
		if dir == "" {
			dir = filepath.Join("..", "artifacts", "screenshots") // the tests run in app/
		}
		if artifactsPath, artifactsErr = filepath.Abs(dir); artifactsErr == nil {
			artifactsErr = os.MkdirAll(artifactsPath, 0o755)
		}
	})
	if artifactsErr != nil {
		t.Fatalf("artifacts directory: %v", artifactsErr)
	}
	return artifactsPath
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileName(s string) string { return unsafeName.ReplaceAllString(s, "_") }

// tail returns the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("...%s", s[len(s)-n:])
}

// overflowJS measures the page's width and names the elements that stick
// out of the viewport on the right.
const overflowJS = `(() => {
  const vw = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 1) {
      let name = el.tagName.toLowerCase();
      if (el.id) name += "#" + el.id;
      if (el.classList.length) name += "." + [...el.classList].join(".");
      wide.push(name + " (right " + Math.round(r.right) + ")");
      if (wide.length >= 8) break;
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: vw, wide: wide};
})()`

// overflow is the result of overflowJS.
type overflow struct {
	ScrollWidth int      `json:"scrollWidth"`
	ClientWidth int      `json:"clientWidth"`
	Wide        []string `json:"wide"`
}

// dayTask lets days pass on the bundle's manual clock, one at a time, until
// the customer has an open task of the kind, at most maxDays; it returns the
// task. The journey says on which day the task appears; maxDays is that day.
func dayTask(t *testing.T, b *bundle, customer string, kind aftersale.TaskKind, maxDays int) team.TaskView {
	t.Helper()
	for day := 0; ; day++ {
		b.settle(t)
		tasks, err := b.app.Team().Tasks(context.Background(), "open", customer)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tasks {
			if tk.Kind == string(kind) {
				return tk
			}
		}
		if day == maxDays {
			t.Fatalf("no open %s task for %s by day %d (%s); open tasks: %+v", kind, customer, maxDays, b.describe(), tasks)
		}
		b.days(t, 1)
	}
}
