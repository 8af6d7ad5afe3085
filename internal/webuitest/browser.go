package webuitest

import (
	"context"
	"fmt"

	"github.com/chromedp/chromedp"
)

// startBrowser starts headless Chromium with a fresh temporary profile
// (chromedp makes one and removes it when the browser ends) and opens a tab.
// The tab is not bound to ctx, so that a failure can still be captured after
// ctx ends; ctx only bounds the start. closeBrowser ends the browser.
func startBrowser(ctx context.Context, execPath string) (tab context.Context, closeBrowser func(), err error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		// Without these Chromium reaches for the internet, and a closed
		// network refuses its connections.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Wide enough for the UI's desktop layout, so screenshots are alike.
		chromedp.WindowSize(1500, 1000),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(ctx), opts...)
	tab, cancelTab := chromedp.NewContext(alloc)
	closeBrowser = func() { cancelTab(); cancelAlloc() }

	stop := context.AfterFunc(ctx, closeBrowser)
	defer stop()
	if err := chromedp.Do(tab); err != nil { // the first Do starts the browser
		closeBrowser()
		return nil, nil, fmt.Errorf("webuitest: start %s: %w", execPath, err)
	}
	return tab, closeBrowser, nil
}

// boundTo returns a context of tab that ends when ctx ends, for the steps
// that ctx bounds.
func boundTo(tab, ctx context.Context) (context.Context, context.CancelFunc) {
	steps, cancel := context.WithCancelCause(tab)
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	return steps, func() { stop(); cancel(nil) }
}
