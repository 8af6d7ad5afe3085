package webuitest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/chromedp/chromedp"
)

// queryEvery is how often an element query looks again (chromedp's default
// is 5 ms, a busy loop for a page that takes seconds to load).
var queryEvery = chromedp.RetryInterval(pollInterval)

// menuItem is an entry of the More Actions menu.
type menuItem struct {
	TestID   string `json:"testid"`
	Disabled bool   `json:"disabled"`
	Text     string `json:"text"`
}

// menuItemsJS lists the visible entries of the More Actions menu.
var menuItemsJS = fmt.Sprintf(`%s.map(e => ({testid: e.dataset.testid ?? "", disabled: e.getAttribute("aria-disabled") === "true", text: e.innerText.trim()}))`,
	visible(menuItems))

// openUpdateDialog loads the workflow's page and opens "More Actions" →
// "Send an Update".
func openUpdateDialog(ctx context.Context, pageURL string) error {
	if err := chromedp.Do(ctx,
		chromedp.Navigate(pageURL),
		chromedp.Click(visible(actionsButton), queryEvery),
	); err != nil {
		return fmt.Errorf("open the More Actions menu of %s: %w", pageURL, err)
	}
	items, err := waitFor(ctx, menuItemsJS, func(items []menuItem) bool { return len(items) > 0 })
	if err != nil {
		return fmt.Errorf("read the More Actions menu: %w", err)
	}
	i := slices.IndexFunc(items, func(it menuItem) bool { return it.TestID == updateItemID })
	switch {
	case i < 0:
		texts := make([]string, len(items))
		for j, it := range items {
			texts[j] = it.Text
		}
		return fmt.Errorf("the More Actions menu has no Send an Update (is the workflow closed?), only %q", texts)
	case items[i].Disabled:
		return fmt.Errorf("the UI disables Send an Update: %s", strings.Join(strings.Fields(items[i].Text), " "))
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(visible(updateItem), queryEvery),
		chromedp.WaitVisible(chromedp.CSS(dialog), queryEvery),
	); err != nil {
		return fmt.Errorf("open the Send an Update dialog: %w", err)
	}
	return nil
}
