package webuitest

import (
	"context"
	"errors"
	"fmt"
)

// SendUpdate sends the update UpdateName with Payload to the workflow from
// its page in the Web UI, as an operator would ("More Actions" → "Send an
// Update", name, data, Submit), in a headless Chromium that it starts and
// ends, and returns what the UI showed.
//
// A refused update is a Result with Accepted false, not an error. An error
// means the UI could not be driven: the browser did not start, the page or
// an element did not appear, the UI disables updates for the workflow, or
// ctx ended first. ctx bounds the whole call; give it a generous deadline
// (the first page load of a cold UI takes seconds).
func SendUpdate(ctx context.Context, o Options) (Result, error) {
	pageURL, err := o.pageURL()
	if err != nil {
		return Result{}, err
	}
	payload, err := o.payload()
	if err != nil {
		return Result{}, err
	}
	if o.UpdateName == "" {
		return Result{}, errors.New("webuitest: UpdateName is required")
	}
	tab, closeBrowser, err := startBrowser(ctx, o.chromium())
	if err != nil {
		return Result{}, err
	}
	defer closeBrowser()

	steps, stop := boundTo(tab, ctx)
	defer stop()
	res, err := sendUpdate(steps, pageURL, o.UpdateName, payload)
	if err == nil {
		return res, nil
	}
	if cause := context.Cause(steps); cause != nil && !errors.Is(err, cause) {
		err = fmt.Errorf("%w (%w)", err, cause)
	}
	err = fmt.Errorf("webuitest: update %q of %s: %w", o.UpdateName, o.WorkflowID, err)
	if o.ScreenshotDir != "" {
		if path, serr := saveFailure(tab, o.ScreenshotDir); serr != nil {
			err = fmt.Errorf("%w; no screenshot: %w", err, serr)
		} else {
			err = fmt.Errorf("%w; screenshot %s", err, path)
		}
	}
	return Result{}, err
}

// sendUpdate runs the steps in the browser's tab.
func sendUpdate(ctx context.Context, pageURL, name, payload string) (Result, error) {
	if err := openUpdateDialog(ctx, pageURL); err != nil {
		return Result{}, err
	}
	if err := chooseUpdate(ctx, name); err != nil {
		return Result{}, err
	}
	if payload != "" {
		if err := typePayload(ctx, payload); err != nil {
			return Result{}, err
		}
	}
	return submit(ctx)
}
