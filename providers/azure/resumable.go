package azure

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// beginFunc starts a long-running operation (token "") or rebuilds the
// poller of a running one from its resume token.
type beginFunc[T any] func(token string) (*runtime.Poller[T], error)

// intentToken is saved under a key just before an operation is started,
// and replaced by the operation's resume token once it is: a retry that
// finds it knows an earlier attempt may have started the operation without
// keeping its token.
const intentToken = "fleetpatch:starting"

// errUnconfirmed says an earlier attempt may have started the operation
// and it cannot be found again: its outcome is left to the verification
// scan, and nothing is started a second time.
var errUnconfirmed = errors.New("an earlier attempt may have started installPatches and its operation cannot be found again; nothing was started a second time")

// resumable drives one machine's install to its end so that it runs at
// most once per key: it resumes the operation whose token is saved under
// key, or saves an intent, starts the operation and saves its token before
// the first poll. Tokens are kept (not deleted once the operation ends): a
// worker that dies after the operation ended but before the activity kept
// its result resumes the finished operation instead of installing again.
// An intent without a token, or a saved operation that is gone, means the
// earlier attempt may have installed: resumable returns errUnconfirmed
// rather than start another. finish reads what else the result needs (Arc
// machines: the per-patch rows in Resource Graph). VMs and Arc machines
// share it.
func resumable[T, R any](ctx context.Context, store ResumeStore, key string, begin beginFunc[T], finish func(T) (R, error),
	every time.Duration, beat func()) (R, error) {
	var zero R
	token, resumed, err := store.Load(ctx, key)
	if err != nil {
		return zero, fmt.Errorf("resume store: %w", err)
	}
	if resumed {
		if token == intentToken {
			return zero, errUnconfirmed
		}
		pl, err := begin(token)
		if err != nil {
			return zero, errUnconfirmed
		}
		r, err := poll(ctx, pl, every, beat)
		if err != nil {
			if callError(err) || ctx.Err() != nil {
				return zero, err
			}
			return zero, errUnconfirmed
		}
		return finish(r)
	}
	if err := store.Save(ctx, key, intentToken); err != nil {
		return zero, fmt.Errorf("resume store: %w", err)
	}
	pl, err := begin("")
	if err != nil {
		var re *azcore.ResponseError
		if errors.As(err, &re) {
			// Azure answered, and refused: nothing was started.
			_ = store.Delete(ctx, key)
		}
		return zero, err
	}
	if tok, err := pl.ResumeToken(); err == nil {
		if err := store.Save(ctx, key, tok); err != nil {
			return zero, fmt.Errorf("resume store: %w", err)
		}
	}
	r, err := poll(ctx, pl, every, beat)
	if err != nil {
		return zero, err
	}
	return finish(r)
}

// asIs is the finish step of operations whose result is complete.
func asIs[T any](r T) (T, error) { return r, nil }
