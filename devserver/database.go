package devserver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"go.temporal.io/server/common/config"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/schema/sqlite"
	"google.golang.org/protobuf/types/known/durationpb"
)

// DatabaseFile is the name of the SQLite database inside Options.DataDir.
const DatabaseFile = "temporal.db"

// storeName names the one data store in the server config.
const storeName = sqliteplugin.PluginName

// prepareDatabase creates the data directory, the schema (first use only)
// and the namespace (if missing), and returns the SQL config the server uses.
func prepareDatabase(o Options, clusterName string) (*config.SQL, error) {
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("devserver: create data directory: %w", err)
	}
	path := filepath.Join(o.DataDir, DatabaseFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := createSchema(path); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("devserver: database %s: %w", path, err)
	}

	cfg := sqlConfig(path, map[string]string{
		// WAL: readers do not block the writer; survives crashes as well as
		// the default rollback journal.
		"journal_mode": "wal",
		"synchronous":  "normal",
		"busy_timeout": "10000",
	})
	ns, err := sqlite.NewNamespaceConfig(clusterName, o.Namespace, false, o.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("devserver: namespace %q: %w", o.Namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(o.Retention)
	// CreateNamespaces skips a namespace that already exists.
	if err := sqlite.CreateNamespaces(cfg, ns); err != nil {
		return nil, fmt.Errorf("devserver: create namespace %q in %s: %w", o.Namespace, path, err)
	}
	return cfg, nil
}

// createSchema writes the schema to a temporary file and renames it to
// path, so that an interrupted first start never leaves a half-made
// database behind.
func createSchema(path string) error {
	tmp := path + ".creating"
	_ = os.Remove(tmp)
	if err := sqlite.SetupSchema(sqlConfig(tmp, nil)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("devserver: create schema in %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("devserver: create schema in %s: %w", path, err)
	}
	return nil
}

// sqlConfig is the SQLite plugin config for a database file; pragmas are
// passed as connect attributes.
func sqlConfig(path string, pragmas map[string]string) *config.SQL {
	attrs := map[string]string{"mode": "rwc"}
	for k, v := range pragmas {
		attrs[k] = v
	}
	return &config.SQL{
		PluginName:        sqliteplugin.PluginName,
		DatabaseName:      path,
		ConnectAttributes: attrs,
	}
}
