package azure

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// arcAPIVersion is the Microsoft.HybridCompute API version of every Arc
// call: the stable version that has both Machines (get, assessPatches,
// installPatches) and Machine Run Commands
// (https://learn.microsoft.com/rest/api/hybridcompute/machines/install-patches?view=rest-hybridcompute-2025-01-13,
// https://learn.microsoft.com/rest/api/hybridcompute/machine-run-commands).
const arcAPIVersion = "2025-01-13"

// arcRequest builds an ARM request to path (a resource ID and an optional
// suffix such as "/assessPatches") with the Arc api-version and, when body
// is not nil, a JSON body.
func (p *Provider) arcRequest(ctx context.Context, method, path string, body any) (*policy.Request, error) {
	req, err := runtime.NewRequest(ctx, method, runtime.JoinPaths(p.arc.Endpoint(), path))
	if err != nil {
		return nil, err
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", arcAPIVersion)
	req.Raw().URL.RawQuery = q.Encode()
	req.Raw().Header.Set("Accept", "application/json")
	if body != nil {
		if err := runtime.MarshalAsJSON(req, body); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// arcCall sends an Arc request and decodes a 200 answer into out.
func (p *Provider) arcCall(ctx context.Context, method, path string, out any) error {
	req, err := p.arcRequest(ctx, method, path, nil)
	if err != nil {
		return err
	}
	return p.armDo(req, out)
}

// armDo sends an ARM request through the Arc client's pipeline and
// decodes a 200 answer into out.
func (p *Provider) armDo(req *policy.Request, out any) error {
	resp, err := p.arc.Pipeline().Do(req)
	if err != nil {
		return err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return runtime.NewResponseError(resp)
	}
	b, err := runtime.Payload(resp)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// arcBegin starts an Arc long-running operation (a POST action, or the PUT
// of a run command) and returns its poller. Actions take their result from
// the Location URL (final-state-via location, the ARM action pattern of
// the Machines API); a PUT from the resource itself (final via original
// URI, azcore's default for PUT).
func arcBegin[T any](ctx context.Context, p *Provider, method, path string, body any) (*runtime.Poller[T], error) {
	req, err := p.arcRequest(ctx, method, path, body)
	if err != nil {
		return nil, err
	}
	resp, err := p.arc.Pipeline().Do(req)
	if err != nil {
		return nil, err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK, http.StatusCreated, http.StatusAccepted) {
		return nil, runtime.NewResponseError(resp)
	}
	final := runtime.FinalStateViaLocation
	if method == http.MethodPut {
		final = runtime.FinalStateViaOriginalURI
	}
	return runtime.NewPoller(resp, p.arc.Pipeline(), &runtime.NewPollerOptions[T]{FinalStateVia: final})
}

// arcError is the errorDetails of an Arc patch operation (ARM's
// ErrorDetail: code, message, details).
type arcError struct {
	Code    string     `json:"code"`
	Message string     `json:"message"`
	Details []arcError `json:"details"`
}

// text is the one-line text of the error.
func (e *arcError) text() string {
	if e == nil {
		return "no error details"
	}
	s := e.Code + ": " + e.Message
	for _, d := range e.Details {
		s += "; " + d.Code + ": " + d.Message
	}
	return s
}
