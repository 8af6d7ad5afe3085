package azurefront

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// armError is ARM's error body {"error":{"code","message"}}
// (https://learn.microsoft.com/azure/azure-resource-manager/templates/common-deployment-errors).
type armError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]armError{"error": {Code: code, Message: msg}})
}

// writeThrottled answers 429 as ARM does when a subscription's request
// limit is reached, with Retry-After in seconds (and Retry-After-Ms when
// the configured delay is not whole seconds, so tests stay fast).
func writeThrottled(w http.ResponseWriter, after time.Duration) {
	secs := int((after + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	if after%time.Second != 0 {
		w.Header().Set("Retry-After-Ms", strconv.FormatInt(after.Milliseconds(), 10))
	}
	writeError(w, http.StatusTooManyRequests, "TooManyRequests",
		"The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00.")
}
