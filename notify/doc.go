// Package notify tells people what a patch cycle is doing, in the tools
// they already use: Slack and Microsoft Teams incoming webhooks, a generic
// webhook signed with HMAC-SHA256, and e-mail over SMTP.
//
// An Event says what happened (review ready, approved, halted, completed,
// …) with the structured facts of its kind; it never carries a secret. A
// Sender delivers one event to one destination. New builds the Sender of
// a policy.Notification, resolving its secret references (env:NAME,
// file:/path) at that moment, inside the worker's activity, so that no
// secret ever reaches the policy, a workflow's input or its history.
//
// Errors say whether a retry can help: errors.Is(err, ErrPermanent) for a
// refusal (HTTP 4xx other than 408/425/429, SMTP 5xx, a bad configuration),
// ErrUnresolved for a secret reference that cannot be resolved, anything
// else (5xx, timeouts, refused connections) is worth retrying. No error
// text contains a webhook URL or any other secret.
package notify
