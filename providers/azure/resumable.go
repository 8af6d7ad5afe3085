package azure

import (
	"context"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// beginFunc starts a long-running operation (token "") or rebuilds the
// poller of a running one from its resume token.
type beginFunc[T any] func(token string) (*runtime.Poller[T], error)

// resumable drives one machine's install to its end so that it runs at
// most once per key: it resumes the operation whose token is saved under
// key, or starts one and saves its token before the first poll. finish
// reads what else the result needs (Arc machines: the per-patch rows in
// Resource Graph); the token is deleted only once finish succeeded, so a
// worker that dies in between resumes the finished operation instead of
// installing again. A saved operation that is gone (expired, unknown) is
// started again: installs are idempotent. VMs and Arc machines share it.
func resumable[T, R any](ctx context.Context, store ResumeStore, key string, begin beginFunc[T], finish func(T) (R, error),
	every time.Duration, beat func()) (R, error) {
	var zero R
	done := func(r T) (R, error) {
		out, err := finish(r)
		if err == nil {
			_ = store.Delete(ctx, key)
		}
		return out, err
	}
	token, resumed, err := store.Load(ctx, key)
	if err != nil {
		return zero, fmt.Errorf("resume store: %w", err)
	}
	if resumed {
		if pl, err := begin(token); err == nil {
			r, err := poll(ctx, pl, every, beat)
			if err == nil {
				return done(r)
			}
			if callError(err) {
				return zero, err
			}
		}
		_ = store.Delete(ctx, key)
	}
	pl, err := begin("")
	if err != nil {
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
	return done(r)
}

// asIs is the finish step of operations whose result is complete.
func asIs[T any](r T) (T, error) { return r, nil }
