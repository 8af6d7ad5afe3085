// Package webuitest drives the embedded Temporal Web UI (ui-server v2.55, as
// started by package devserver) in headless Chromium, the way an operator
// would, so that tests can check what the UI does and shows.
//
// SendUpdate opens a workflow's page, chooses "More Actions" → "Send an
// Update", picks the update by name, types the JSON payload into the dialog's
// code editor, submits, and returns what the UI reported: the success toast,
// or the failure the dialog shows (a validator's rejection, for example).
package webuitest
