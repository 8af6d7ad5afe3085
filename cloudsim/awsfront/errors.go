package awsfront

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
)

// apiError is an AWS error: its code (the __type of awsJson1_1, the Code
// of the query and S3 protocols), HTTP status and message.
type apiError struct {
	code    string
	status  int
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errorf(code string, status int, format string, args ...any) *apiError {
	return &apiError{code: code, status: status, message: fmt.Sprintf(format, args...)}
}

// Errors of the SSM API, with AWS's codes.
func validation(format string, args ...any) *apiError {
	return errorf("ValidationException", http.StatusBadRequest, format, args...)
}

func invalidInstanceID(format string, args ...any) *apiError {
	return errorf("InvalidInstanceId", http.StatusBadRequest, format, args...)
}

func throttling() *apiError {
	return errorf("ThrottlingException", http.StatusBadRequest, "Rate exceeded")
}

// writeJSONError answers in the awsJson1_1 error shape: the code in the
// body's __type and in the X-Amzn-ErrorType header, and the message.
func writeJSONError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", ssmContentType)
	w.Header().Set("X-Amzn-ErrorType", e.code)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.code, "message": e.message})
}

// queryError is the query protocol's error document (STS).
type queryError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func writeQueryError(w http.ResponseWriter, e *apiError, requestID string) {
	var q queryError
	q.Xmlns = stsNamespace
	q.Error.Type, q.Error.Code, q.Error.Message = "Sender", e.code, e.message
	if e.status >= 500 {
		q.Error.Type = "Receiver"
	}
	q.RequestID = requestID
	writeXML(w, e.status, q)
}

// s3Error is S3's error document.
type s3Error struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Key       string   `xml:"Key,omitempty"`
	RequestID string   `xml:"RequestId"`
}

func writeXML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(v)
}
