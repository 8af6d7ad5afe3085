package activities_test

import (
	"testing"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/activities/storetest"
)

func TestDirStoreKeepsTheStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) activities.Store { return activities.DirStore{Root: t.TempDir()} })
}
