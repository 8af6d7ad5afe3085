package webuitest

import (
	"encoding/json"
	"fmt"

	"github.com/chromedp/chromedp"
)

// The selectors of Temporal UI 2.55. They use what the UI keeps for its own
// end-to-end tests and for accessibility (data-testid, ARIA roles and
// attributes, the open attribute of the native <dialog>), never its CSS
// classes, which are Tailwind utilities that change with any restyling.
//
// The workflow page renders its header twice, one copy for narrow and one
// for wide screens, and hides one with CSS; so every action button, menu
// and dialog exists twice with the same id and data-testid. The selectors
// below therefore either match only the open dialog, or go through visible,
// which keeps the copy a user can see.
const (
	// actionsButton opens the "More Actions" menu (menu id workflow-actions).
	actionsButton = `button[aria-controls="workflow-actions"]`
	// menuItems are the menu's entries; updateItem is "Send an Update",
	// aria-disabled="true" while the UI refuses updates (a paused workflow,
	// for one), and missing once the workflow is closed.
	menuItems    = `#workflow-actions [role="menuitem"]`
	updateItemID = "update-button"
	updateItem   = menuItems + `[data-testid="` + updateItemID + `"]`
	// dialog is the "Send an Update" dialog while it is open.
	dialog = `dialog[data-testid="update-confirmation-modal"][open]`
	// nameSelect opens the list of the updates that the workflow's metadata
	// declares; nameOptions are its entries, the last one "Custom".
	nameSelect  = dialog + ` [data-testid="update-select-button"]`
	nameOptions = dialog + ` [role="listbox"] [role="option"]`
	// nameInput is the free-text name: shown when the workflow declares no
	// updates, or after choosing "Custom".
	nameInput = dialog + ` input#update-name`
	// nameValue is the input that holds the chosen name, in either mode.
	nameValue = dialog + ` input[data-testid="update-select"], ` + nameInput
	// customOption is the label of the entry that switches to nameInput.
	customOption = "Custom"
	// editor is the payload's CodeMirror editor (its contenteditable).
	editor = dialog + ` [role="textbox"][contenteditable="true"]`
	// submitButton sends the update; cancelButton is disabled while the
	// request is in flight.
	submitButton = dialog + ` [data-testid="confirm-modal-button"]`
	cancelButton = dialog + ` [data-testid="cancel-modal-button"]`
	// dialogAlerts are the dialog's error texts: the failure alert (title =
	// the failure's message) and the modal's error line (API errors).
	dialogAlerts = dialog + ` [role="alert"]`
	// toasts are the screen-reader live regions that repeat every toast
	// (data-testid toast-live-region-polite and -assertive). Unlike the
	// toast itself, which slides out after a few seconds, they keep the text.
	toasts = `[data-testid^="toast-live-region"] > *`
)

// isVisibleJS is a JavaScript predicate: the element is rendered, not
// visibility:hidden and not fully transparent (a closed menu is both).
const isVisibleJS = `(e => e.checkVisibility({visibilityProperty: true, opacityProperty: true}))`

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// visible selects the elements that match css and that a user can see.
func visible(css string) chromedp.JSPath {
	return chromedp.JSPath(fmt.Sprintf(`[...document.querySelectorAll(%s)].filter(%s)`, jsString(css), isVisibleJS))
}

// visibleWithText selects the visible elements that match css and whose
// trimmed text is text.
func visibleWithText(css, text string) chromedp.JSPath {
	return chromedp.JSPath(fmt.Sprintf(`[...document.querySelectorAll(%s)].filter(e => %s(e) && e.textContent.trim() === %s)`,
		jsString(css), isVisibleJS, jsString(text)))
}
