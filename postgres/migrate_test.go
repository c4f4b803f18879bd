package postgres

import (
	"io/fs"
	"strconv"
	"testing"
)

// TestSQLiteSchemaVersionIsNewest: ImportSQLite imports SQLite files of the
// newest version, and the two databases number their migrations alike (see
// the module's TestMigrationsNumberedAlike), so sqliteSchemaVersion is the
// version of the newest file of migrations/.
func TestSQLiteSchemaVersionIsNewest(t *testing.T) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migration files found (%v)", err)
	}
	var newest int64
	for _, f := range files {
		v, err := strconv.ParseInt(f[len("migrations/"):len("migrations/")+5], 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		newest = max(newest, v)
	}
	if sqliteSchemaVersion != newest {
		t.Errorf("sqliteSchemaVersion = %d, want the newest migration's version %d", sqliteSchemaVersion, newest)
	}
}
