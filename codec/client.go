package codec

import (
	"errors"

	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// RefusalType is the application error type of an update validator's
// refusal. A refused update is not recorded in history, so its reason is
// sent in clear: an approver using the Web UI or the Temporal CLI reads why.
// Every other failure is encoded.
const RefusalType = "Refused"

// Apply makes opts encrypt with c: payloads through a codec data converter
// and failures with their message and stack trace moved into an encoded
// payload (so neither is left in clear in history), except refusals. A nil
// c changes nothing.
func Apply(opts *client.Options, c *Codec) {
	if c == nil {
		return
	}
	dc := converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
	opts.DataConverter = dc
	opts.FailureConverter = failures{
		encoded: temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
			DataConverter: dc, EncodeCommonAttributes: true}),
		clear: temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc}),
	}
}

// failures encodes every failure but refusals; it reads both kinds.
type failures struct {
	encoded, clear converter.FailureConverter
}

func (f failures) ErrorToFailure(err error) *failurepb.Failure {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == RefusalType {
		return f.clear.ErrorToFailure(err)
	}
	return f.encoded.ErrorToFailure(err)
}

func (f failures) FailureToError(failure *failurepb.Failure) error {
	return f.encoded.FailureToError(failure)
}

// Load loads the keys (LoadKeys) and returns their codec, or nil when
// no keys are configured.
func Load(path string, opts ...Option) (*Codec, error) {
	keys, err := LoadKeys(path, opts...)
	if err != nil || keys == nil {
		return nil, err
	}
	return New(keys)
}
