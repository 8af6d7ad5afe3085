package multi

import (
	"slices"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// fanOut runs a per-instance call on each cloud's part of ids, in
// parallel, and returns the results in ids' order: an instance of no
// configured cloud gets unroutable(id), one its cloud's provider did not
// report missing's error. call gets the part and its progress; a part's
// error fails the whole call.
func fanOut[T any](p *Provider, ids []string, progress fleet.Progress, unroutable func(id string) T, idOf func(T) string,
	call func(pt *part, progress fleet.Progress) ([]T, error)) ([]T, error) {
	parts, bad := p.split(ids)
	out := make([]T, len(ids))
	for _, i := range bad {
		out[i] = unroutable(ids[i])
	}
	pr := newProgress(progress, len(ids))
	results := make([][]T, len(parts))
	err := run(parts, func(pt *part) error {
		r, err := call(pt, pr.of(pt.cloud))
		results[slices.Index(parts, pt)] = r
		return err
	})
	if err != nil {
		return nil, err
	}
	for k, pt := range parts {
		place(out, pt, results[k], idOf)
	}
	return out, nil
}

// each is one result per instance of the part, made by fn.
func each[T any](pt *part, fn func(id string) T) []T {
	out := make([]T, len(pt.ids))
	for i, id := range pt.ids {
		out[i] = fn(id)
	}
	return out
}
