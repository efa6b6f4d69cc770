// Command shoot takes a screenshot of a web page with headless Chromium
// (/usr/bin/chromium, never a downloaded browser), once the page says it is
// ready. examples/screenshots.sh runs it:
//
//	go run ./examples/screenshots/shoot [-size 1280x720] [-ready JS] URL FILE.png
//
// -ready is a JavaScript expression the page must make true before the
// screenshot (default: true at once).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

func main() {
	size := flag.String("size", "1280x720", "window `WIDTHxHEIGHT`")
	ready := flag.String("ready", "true", "JavaScript `EXPR` that is true once the page is ready")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: shoot [-size WxH] [-ready JS] URL FILE.png")
		os.Exit(2)
	}
	if err := shoot(flag.Arg(0), flag.Arg(1), *size, *ready); err != nil {
		fmt.Fprintln(os.Stderr, "shoot:", err)
		os.Exit(1)
	}
}

func shoot(url, file, size, ready string) error {
	var w, h int
	if _, err := fmt.Sscanf(size, "%dx%d", &w, &h); err != nil {
		return fmt.Errorf("-size %q: %w", size, err)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath("/usr/bin/chromium"), chromedp.WindowSize(w, h)}
	for _, f := range []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"} {
		opts = append(opts, chromedp.Flag(strings.TrimPrefix(f, "--"), true))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTime := context.WithTimeout(ctx, time.Minute)
	defer cancelTime()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h)), chromedp.Navigate(url)); err != nil {
		return err
	}
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](ready))
		if err != nil {
			return err
		}
		if ok {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Let the last changes paint.
	time.Sleep(300 * time.Millisecond)
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	return os.WriteFile(file, png, 0o644)
}
