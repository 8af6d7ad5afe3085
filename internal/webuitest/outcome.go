package webuitest

import (
	"context"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// dialogState is what the page shows of the update request.
type dialogState struct {
	Open   bool     `json:"open"`   // the dialog is open
	Busy   bool     `json:"busy"`   // the request is in flight
	Alerts []string `json:"alerts"` // the dialog's visible error texts
	Toasts []string `json:"toasts"` // every toast announced so far
}

// dialogStateJS reads a dialogState. While the request is in flight the
// dialog shows an "In Progress" alert, so alerts count only once it is not.
var dialogStateJS = fmt.Sprintf(`(() => {
	const d = document.querySelector(%s);
	const toasts = [...document.querySelectorAll(%s)].map(e => e.textContent.trim()).filter(Boolean);
	if (!d) return {open: false, busy: false, alerts: [], toasts};
	const busy = document.querySelector(%s)?.disabled ?? false;
	const alerts = busy ? [] : [...document.querySelectorAll(%s)].filter(%s).map(e => e.innerText.trim()).filter(Boolean);
	return {open: true, busy, alerts, toasts};
})()`, jsString(dialog), jsString(toasts), jsString(cancelButton), jsString(dialogAlerts), isVisibleJS)

// submit sends the update and waits for the UI's verdict. On success the UI
// closes the dialog and shows a toast; on failure (the update's outcome is a
// failure, which is how a validator's rejection comes back, or the request
// fails) the dialog stays open and shows the error.
func submit(ctx context.Context) (Result, error) {
	if err := chromedp.Do(ctx,
		chromedp.WaitEnabled(chromedp.CSS(submitButton), queryEvery),
		chromedp.Click(chromedp.CSS(submitButton), queryEvery),
	); err != nil {
		return Result{}, fmt.Errorf("submit the update: %w", err)
	}
	st, err := waitFor(ctx, dialogStateJS, func(s dialogState) bool {
		return !s.Open && len(s.Toasts) > 0 || s.Open && !s.Busy && len(s.Alerts) > 0
	})
	switch {
	case err != nil:
		return Result{}, fmt.Errorf("wait for the UI's answer (last seen: dialog open %t, in flight %t, alerts %q, toasts %q): %w",
			st.Open, st.Busy, st.Alerts, st.Toasts, err)
	case st.Open:
		return Result{Accepted: false, Message: strings.Join(st.Alerts, "\n")}, nil
	default:
		return Result{Accepted: true, Message: st.Toasts[len(st.Toasts)-1]}, nil
	}
}
