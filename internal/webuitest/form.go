package webuitest

import (
	"context"
	"fmt"
	"slices"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// chooseUpdate sets the dialog's update name: from the list of the updates
// that the workflow declares when it has one (and the name is in it), else
// as free text, after choosing "Custom" when the list is there.
func chooseUpdate(ctx context.Context, name string) error {
	mode, err := waitFor(ctx, fmt.Sprintf(`document.querySelector(%s) ? "list" : document.querySelector(%s) ? "text" : ""`,
		jsString(nameSelect), jsString(nameInput)), func(s string) bool { return s != "" })
	if err != nil {
		return fmt.Errorf("find the update name field: %w", err)
	}
	if mode == "list" {
		if err := chromedp.Do(ctx,
			chromedp.Click(visible(nameSelect), queryEvery),
			chromedp.WaitVisible(visible(nameOptions), queryEvery),
		); err != nil {
			return fmt.Errorf("open the list of updates: %w", err)
		}
		listed, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			fmt.Sprintf(`%s.map(e => e.textContent.trim())`, visible(nameOptions))))
		if err != nil {
			return fmt.Errorf("read the list of updates: %w", err)
		}
		choice := name
		if !slices.Contains(listed, name) || name == customOption {
			choice = customOption
		}
		if err := chromedp.Do(ctx, chromedp.Click(visibleWithText(nameOptions, choice), queryEvery)); err != nil {
			return fmt.Errorf("choose %q in the list of updates %q: %w", choice, listed, err)
		}
		if choice == name {
			return expectValue(ctx, "the update name", fmt.Sprintf(`document.querySelector(%s)?.value`, jsString(nameValue)), name)
		}
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(visible(nameInput), name, queryEvery)); err != nil {
		return fmt.Errorf("type the update name: %w", err)
	}
	return expectValue(ctx, "the update name", fmt.Sprintf(`document.querySelector(%s)?.value`, jsString(nameValue)), name)
}

// typePayload replaces the text of the payload editor with payload. The
// editor is CodeMirror, which ignores a plain value: it takes Ctrl+A and
// then the text as one insertion (Input.insertText), as from a paste, so
// that no bracket gets closed or line indented twice.
func typePayload(ctx context.Context, payload string) error {
	if err := chromedp.Do(ctx,
		chromedp.Click(visible(editor), queryEvery),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: payload})
			return err
		}),
	); err != nil {
		return fmt.Errorf("type the payload: %w", err)
	}
	return expectValue(ctx, "the payload editor", fmt.Sprintf(`document.querySelector(%s)?.textContent`, jsString(editor)), payload)
}

// expectValue waits until the expression gives want; what names the field in
// the error that says what it showed instead.
func expectValue(ctx context.Context, what, expression, want string) error {
	got, err := waitFor(ctx, expression, func(s string) bool { return s == want })
	if err != nil {
		return fmt.Errorf("%s shows %q, want %q: %w", what, got, want, err)
	}
	return nil
}
