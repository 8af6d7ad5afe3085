package azurefront

import (
	"net/http"
	"regexp"
	"strings"
)

// DenyAction makes the subscription's requests of an ARM action, such as
// "Microsoft.Compute/virtualMachines/installPatches/action" (or of every
// action when action is ""), fail as when no role assignment of the
// caller grants it: 403 AuthorizationFailed in ARM's error shape, with
// ARM's message naming the action and the scope and, in parentheses, the
// message (https://learn.microsoft.com/azure/role-based-access-control/troubleshooting).
// An empty message allows the action again. Only requests under
// /subscriptions/{id} are checked (not Resource Graph queries).
func (s *Server) DenyAction(subscription, action, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(subscription) + "|" + strings.ToLower(action)
	if message == "" {
		delete(s.denied, key)
		return
	}
	s.denied[key] = message
}

// subscriptionPath captures a request path's subscription.
var subscriptionPath = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)`)

// refuse answers a request of a denied action with 403 and logs it under
// its operation and resource, as route would; it reports whether it did.
func (s *Server) refuse(w *statusRecorder, r *http.Request, c *Call) bool {
	m := subscriptionPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return false
	}
	action, op, resource := armAction(r.Method, r.URL.Path)
	sub := strings.ToLower(m[1])
	s.mu.Lock()
	why, denied := s.denied[sub+"|"+strings.ToLower(action)]
	if !denied {
		why, denied = s.denied[sub+"|"]
	}
	s.mu.Unlock()
	if !denied {
		return false
	}
	c.Op, c.Resource = op, resource
	if id, ok := s.vms[strings.ToLower(resource)]; ok {
		c.Resource = id
	}
	writeError(w, http.StatusForbidden, "AuthorizationFailed",
		"The client 'fleetpatch' with object id '00000000-0000-0000-0000-00000000f1ee' does not have authorization to perform action '"+
			action+"' over scope '"+resource+"' or the scope is invalid. If access was recently granted, please refresh your credentials. ("+why+")")
	return true
}

// armAction returns the ARM operation of a request ("<namespace>/<types>/
// <read|write|delete|action>"), the operation's short name (the action
// or the last resource type) and the resource the request names, from its
// method and a path ".../providers/<namespace>/<type>/<name>[/...]".
func armAction(method, path string) (action, op, resource string) {
	i := strings.LastIndex(strings.ToLower(path), "/providers/")
	if i < 0 {
		return "Microsoft.Resources/subscriptions/" + verb(method), "subscription", path
	}
	segs := strings.Split(strings.Trim(path[i+len("/providers/"):], "/"), "/")
	ns, rest := segs[0], segs[1:]
	var types []string
	for k := 0; k < len(rest); k += 2 {
		types = append(types, rest[k])
	}
	if len(rest) > 0 {
		op = rest[len(rest)-1]
		if len(rest)%2 == 0 {
			op = types[len(types)-1]
		}
	}
	resource = path
	if len(rest) >= 2 {
		resource = path[:i] + "/providers/" + ns + "/" + rest[0] + "/" + rest[1]
	}
	return ns + "/" + strings.Join(types, "/") + "/" + verb(method), op, resource
}

// verb is the last part of an ARM operation for an HTTP method.
func verb(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		return "read"
	case http.MethodPut, http.MethodPatch:
		return "write"
	case http.MethodDelete:
		return "delete"
	}
	return "action"
}
