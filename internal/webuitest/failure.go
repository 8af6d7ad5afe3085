package webuitest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// captureTimeout bounds saving the page after a failure; the caller's
// context may have ended already.
const captureTimeout = 15 * time.Second

// saveFailure writes a full-page PNG and the page's HTML of tab to dir, and
// returns the PNG's path.
func saveFailure(tab context.Context, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(tab, captureTimeout)
	defer cancel()
	png, pngErr := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	html, htmlErr := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if pngErr != nil && htmlErr != nil {
		return "", errors.Join(pngErr, htmlErr)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "sendupdate-*.png")
	if err != nil {
		return "", err
	}
	_, err = f.Write(png)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.WriteFile(strings.TrimSuffix(f.Name(), ".png")+".html", []byte(html), 0o644)
	}
	if err != nil {
		return "", fmt.Errorf("save the page: %w", err)
	}
	return f.Name(), nil
}
