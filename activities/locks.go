package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// lease is a lock in the artifact store: who holds it and until when. A
// lease whose holder died is taken over once Until has passed.
type lease struct {
	Owner string    `json:"owner"`
	Until time.Time `json:"until"`
}

// acquire takes the lease at key for owner until until. It returns the
// current holder when someone else holds it. Taking over an expired lease
// deletes it first; two takers racing for it still cannot both win, as
// only one Create succeeds.
func (a *Activities) acquire(ctx context.Context, key, owner string, until time.Time) (holder lease, ok bool, err error) {
	b, _ := json.Marshal(lease{Owner: owner, Until: until})
	for range 3 {
		err := a.Store.Create(ctx, key, b)
		if err == nil {
			return lease{}, true, nil
		}
		if !errors.Is(err, ErrExists) {
			return lease{}, false, err
		}
		found, err := getJSON(ctx, a.Store, key, &holder)
		if err != nil {
			return lease{}, false, err
		}
		switch {
		case !found:
			continue // released meanwhile
		case holder.Owner == owner:
			return lease{}, true, putJSON(ctx, a.Store, key, lease{Owner: owner, Until: until})
		case a.now().Before(holder.Until):
			return holder, false, nil
		}
		if err := a.Store.Delete(ctx, key); err != nil {
			return lease{}, false, err
		}
	}
	return holder, false, nil
}

// release gives up owner's lease at key; someone else's is left alone.
func (a *Activities) release(ctx context.Context, key, owner string) error {
	var holder lease
	found, err := getJSON(ctx, a.Store, key, &holder)
	if err != nil || !found || holder.Owner != owner {
		return err
	}
	return a.Store.Delete(ctx, key)
}

func groupLockKey(group string) string { return "locks/groups/" + group + ".json" }

// hostLockKey names an instance's lock; IDs (Azure resource IDs have
// slashes) are hashed into the key.
func hostLockKey(instanceID string) string {
	sum := sha256.Sum256([]byte(instanceID))
	return "locks/hosts/" + hex.EncodeToString(sum[:12]) + ".json"
}

// RolloutLockInput asks for a group's rollout lock.
type RolloutLockInput struct {
	Run Run `json:"run"`
	// Until is when the lock lapses if the run never releases it (the end
	// of its install window, plus a margin).
	Until time.Time `json:"until"`
}

// RolloutLock says whether the run holds its group's rollout lock, and who
// does if not.
type RolloutLock struct {
	Acquired bool      `json:"acquired"`
	Holder   string    `json:"holder,omitempty"`
	Until    time.Time `json:"until,omitzero"`
}

// AcquireRolloutLock takes the group's rollout lock for the run: at most
// one run of a group (its weekly cycle or a retry, of any week) installs at
// a time. It never waits; the workflow retries later.
func (a *Activities) AcquireRolloutLock(ctx context.Context, in RolloutLockInput) (RolloutLock, error) {
	if err := validRun(in.Run); err != nil {
		return RolloutLock{}, err
	}
	holder, ok, err := a.acquire(ctx, groupLockKey(in.Run.Group), in.Run.Key(), in.Until)
	if err != nil {
		return RolloutLock{}, err
	}
	return RolloutLock{Acquired: ok, Holder: holder.Owner, Until: holder.Until}, nil
}

// ReleaseRolloutLock gives the group's rollout lock back, if the run holds it.
func (a *Activities) ReleaseRolloutLock(ctx context.Context, run Run) error {
	if err := validRun(run); err != nil {
		return err
	}
	return a.release(ctx, groupLockKey(run.Group), run.Key())
}

// lockHosts takes every instance's host lock for one install batch, or
// none: no instance is in two running install batches at once, across
// groups. It returns a retryable error naming a busy instance.
func (a *Activities) lockHosts(ctx context.Context, owner string, ids []string, until time.Time) error {
	var taken []string
	for _, id := range ids {
		holder, ok, err := a.acquire(ctx, hostLockKey(id), owner, until)
		if err == nil && !ok {
			err = fmt.Errorf("instance %s is in another running install batch (%s) until %s at the latest", id, holder.Owner, holder.Until.Format(time.RFC3339))
		}
		if err != nil {
			for _, t := range taken {
				_ = a.release(ctx, hostLockKey(t), owner)
			}
			return err
		}
		taken = append(taken, id)
	}
	return nil
}

// unlockHosts releases the batch's host locks.
func (a *Activities) unlockHosts(ctx context.Context, owner string, ids []string) error {
	var errs []error
	for _, id := range ids {
		errs = append(errs, a.release(ctx, hostLockKey(id), owner))
	}
	return errors.Join(errs...)
}
