// Package ticket opens and follows a change request per patch cycle in
// ServiceNow, through its REST APIs:
//
//   - Table API (https://www.servicenow.com/docs/r/australia/api-reference/rest-apis/c_TableAPI.html):
//     GET /api/now/table/change_request?sysparm_query=correlation_id=<id>
//     finds the cycle's ticket, POST /api/now/table/change_request creates
//     it (201), GET and PATCH /api/now/table/change_request/<sys_id> read
//     and update it (200); GET /api/now/table/sys_user_group resolves an
//     assignment group given by name. Responses wrap the record in
//     "result"; sysparm_fields and sysparm_exclude_reference_link keep them
//     small and flat.
//   - Attachment API (https://www.servicenow.com/docs/r/zurich/api-reference/rest-apis/c_AttachmentAPI.html):
//     POST /api/now/attachment/file?table_name=change_request&table_sys_id=<sys_id>&file_name=<name>
//     with the file as the body and its Content-Type (mandatory) attaches
//     a file (201); GET /api/now/attachment?sysparm_query=... lists them.
//   - The change state model (https://www.servicenow.com/docs/r/it-service-management/change-management/c_ChangeStateModel.html):
//     state values New -5, Assess -4, Authorize -3, Scheduled -2,
//     Implement -1, Review 0, Closed 3, Canceled 4; a normal change goes
//     Implement, Review, Closed, and can be canceled at any point before
//     Review. close_code and close_notes say how it ended; the close codes
//     successful, successful_issues and unsuccessful are the out-of-the-box
//     choices (not on that page: from ServiceNow community answers and
//     integrations that set them through the Table API).
//
// The ticket's correlation_id is the cycle's workflow ID, so a retry finds
// the ticket it opened instead of opening another.
//
// Credentials are references (env:NAME, file:/path) in the policy,
// resolved by New inside the worker's activity with notify's resolver;
// they are sent only in the Authorization header (basic auth, or an OAuth
// bearer token) and never appear in an error or a log line.
//
// Errors say whether a retry can help: errors.Is(err, ErrRejected) for a
// refusal (HTTP 4xx other than 408/425/429, a redirect, an answer that
// does not decode, a bad configuration), ErrUnresolved for a credential
// reference that cannot be resolved; anything else (5xx, 408, 425, 429,
// timeouts, refused connections) is worth retrying.
package ticket
