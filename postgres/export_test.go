package postgres

// MigrationLockID exposes the advisory lock of a schema's migrations to
// the tests.
var MigrationLockID = migrationLockID
