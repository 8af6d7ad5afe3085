package ticket

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
)

// MaxAttachment bounds a file attached by fleetpatch (ServiceNow's own
// default limit, com.glide.attachment.max_size, is 1024 MB).
const MaxAttachment = 64 << 20

// Attachment is what fleetpatch reads of an attached file.
type Attachment struct {
	SysID     string `json:"sys_id"`
	FileName  string `json:"file_name"`
	SizeBytes string `json:"size_bytes"`
	// TableSysID is the sys_id of the record it is attached to.
	TableSysID string `json:"table_sys_id"`
}

var fileNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// Attach attaches data as fileName to a change request, unless a file of
// that name is attached to it already: then it returns that one with
// created false (a retry after an upload that was not recorded).
func (c *Client) Attach(ctx context.Context, sysID, fileName, contentType string, data []byte) (a Attachment, created bool, err error) {
	if err := checkSysID(sysID); err != nil {
		return Attachment{}, false, err
	}
	if !fileNameRe.MatchString(fileName) {
		return Attachment{}, false, fmt.Errorf("%w: attachment name %q must be letters, digits, '.', '_' and '-'", ErrRejected, fileName)
	}
	if _, _, err := mime.ParseMediaType(contentType); err != nil {
		return Attachment{}, false, fmt.Errorf("%w: attachment content type %q: %v", ErrRejected, contentType, err)
	}
	if len(data) == 0 || len(data) > MaxAttachment {
		return Attachment{}, false, fmt.Errorf("%w: attachment %s has %d bytes (1 to %d)", ErrRejected, fileName, len(data), MaxAttachment)
	}
	var list []Attachment
	err = c.do(ctx, request{method: http.MethodGet, path: "/api/now/attachment", query: url.Values{
		"sysparm_query": {"table_name=change_request^table_sys_id=" + sysID + "^file_name=" + fileName},
		"sysparm_limit": {"1"},
	}}, &list)
	if err != nil {
		return Attachment{}, false, err
	}
	if len(list) > 0 {
		if list[0].FileName != fileName || list[0].TableSysID != sysID {
			// An instance ignores the parts of a query it cannot apply.
			return Attachment{}, false, fmt.Errorf("%w: servicenow attachments: the answer is not %s of %s", ErrRejected, fileName, sysID)
		}
		return list[0], false, nil
	}
	err = c.do(ctx, request{method: http.MethodPost, path: "/api/now/attachment/file", query: url.Values{
		"table_name": {"change_request"}, "table_sys_id": {sysID}, "file_name": {fileName},
	}, contentType: contentType, body: data}, &a)
	if err != nil {
		return Attachment{}, false, err
	}
	if !sysIDRe.MatchString(a.SysID) {
		return Attachment{}, false, fmt.Errorf("%w: servicenow attach: the answer has no attachment sys_id", ErrRejected)
	}
	return a, true, nil
}
