// Package browser drives the system's Chromium (/usr/bin/chromium) from
// tests with chromedp: never a downloaded browser. A test that needs it
// calls [New]; without Chromium the test is skipped, or fails under CI
// (see internal/testenv).
package browser

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/wstrace/wstrace/internal/testenv"
)

// Path is the browser the tests drive.
const Path = "/usr/bin/chromium"

// Flags are the command-line flags Chromium runs with: headless, without a
// sandbox (tests run as root in containers) and without any network
// request of its own.
var Flags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
	"--disable-component-update", "--disable-sync", "--no-first-run"}

// A Browser is one headless Chromium for a test, and the errors its pages
// reported.
type Browser struct {
	ctx           context.Context
	width, height int
	mu            sync.Mutex
	errs          []string
}

// New starts Chromium for the test with a window of width by height
// pixels. It is stopped when the test ends.
func New(t testing.TB, width, height int) *Browser {
	t.Helper()
	testenv.NeedTool(t, Path)
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(Path), chromedp.WindowSize(width, height),
		chromedp.UserDataDir(t.TempDir())}
	for _, f := range Flags {
		opts = append(opts, chromedp.Flag(strings.TrimPrefix(f, "--"), true))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &Browser{ctx: ctx, width: width, height: height}
	if err := b.listen(ctx); err != nil {
		t.Fatalf("starting %s: %v", Path, err)
	}
	return b
}

// listen records the script errors, failed console calls and errors the
// browser logs (a Content-Security-Policy violation, say) of a tab. It
// starts the browser and opens the tab when they are not yet.
func (b *Browser) listen(ctx context.Context) error {
	err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				msg = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
			}
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				msg = "log: " + ev.Entry.Text + " " + ev.Entry.URL
			}
		}
		if msg != "" {
			b.mu.Lock()
			b.errs = append(b.errs, msg)
			b.mu.Unlock()
		}
	})
	if err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		return err
	}
	// The page's viewport is the size asked for, whatever the window's
	// frame takes.
	return chromedp.Do(ctx, chromedp.EmulateViewport(int64(b.width), int64(b.height)))
}

// Context returns the context of the browser's first tab, for chromedp.Run.
func (b *Browser) Context() context.Context { return b.ctx }

// Tab opens another tab; cancel closes it.
func (b *Browser) Tab() (ctx context.Context, cancel context.CancelFunc, err error) {
	ctx, cancel = chromedp.NewContext(b.ctx)
	if err := b.listen(ctx); err != nil {
		cancel()
		return nil, nil, err
	}
	return ctx, cancel, nil
}

// Run runs actions in the first tab, failing the test after timeout.
func (b *Browser) Run(t testing.TB, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// Eval evaluates a JavaScript expression in the first tab and returns its
// value, failing the test on error.
func Eval[T any](t testing.TB, b *Browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// Errors returns the errors the pages reported so far.
func (b *Browser) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errs...)
}

// CheckErrors fails the test for each error the pages reported.
func (b *Browser) CheckErrors(t testing.TB) {
	t.Helper()
	for _, e := range b.Errors() {
		t.Errorf("the page reported an error: %s", e)
	}
}

// String describes the browser's flags, for messages.
func (b *Browser) String() string { return fmt.Sprint(Path, " ", strings.Join(Flags, " ")) }
