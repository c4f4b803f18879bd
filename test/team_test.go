package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/sqlite"
)

// TestUserAddAndList adds team members with the CLI (the password from a
// flag and from stdin) and lists them; a short password and a second add
// of the same email are refused.
func TestUserAddAndList(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	env := append(os.Environ(), "AFTERSALE_DATA_DIR="+dataDir, "AFTERSALE_LOG_LEVEL=warn")
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(binary(t), args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("", "user", "add", "--email", "Owner@Shop.example", "--name", "Olga Owner", "--role", "owner", "--password", "a long password"); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	if out, err := run("piped password 123\n", "user", "add", "--email", "asst@shop.example"); err != nil {
		t.Fatalf("user add with the password on stdin: %v\n%s", err, out)
	}
	if out, err := run("", "user", "add", "--email", "owner@shop.example", "--password", "another long one"); err == nil || !strings.Contains(out, "owner@shop.example") && !strings.Contains(strings.ToLower(out), "exists") {
		t.Errorf("a second member with the same email (other case): %v\n%s", err, out)
	}
	if out, err := run("", "user", "add", "--email", "x@shop.example", "--password", "short"); err == nil || !strings.Contains(out, "at least 10") {
		t.Errorf("a short password: %v\n%s", err, out)
	}
	out, err := run("", "user", "list")
	if err != nil {
		t.Fatalf("user list: %v\n%s", err, out)
	}
	for _, want := range []string{"Owner@Shop.example", "owner", "Olga Owner", "asst@shop.example", "assistant"} {
		if !strings.Contains(out, want) {
			t.Errorf("user list lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "x@shop.example") || strings.Contains(out, "argon2") || strings.Contains(out, "deactivated") {
		t.Errorf("user list shows too much:\n%s", out)
	}

	// A member an owner deactivated (in the admin) is listed as such.
	db, err := sqlite.Open(t.Context(), filepath.Join(dataDir, "aftersale.db"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.MemberGetByEmail(t.Context(), "asst@shop.example")
	if err == nil {
		m.DeactivatedAt = time.Now().UTC()
		err = db.MemberUpdate(t.Context(), m)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err = run("", "user", "list")
	if err != nil {
		t.Fatalf("user list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "asst@shop.example") != strings.Contains(line, "(deactivated)") {
			t.Errorf("user list line %q: want (deactivated) on the deactivated member's line only", line)
		}
	}
}
