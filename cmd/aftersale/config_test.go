package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/aftersale/aftersale/config"
)

// run parses and runs args as the aftersale command does, and returns
// its output and exit code.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	var cli CLI
	code = -1
	k, err := kong.New(&cli, kong.Name("aftersale"), kong.Writers(&out, &errOut),
		kong.Exit(func(c int) { code = c; panic(exited{}) }))
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(exited); !ok {
					panic(r)
				}
			}
		}()
		kctx, err := k.Parse(args)
		k.FatalIfErrorf(err)
		k.FatalIfErrorf(kctx.Run(slog.Default()))
		code = 0
	}()
	return out.String(), errOut.String(), code
}

// exited stops run where the command would have exited.
type exited struct{}

// TestConfigCheckBadFile: each error names the file, the line and the
// setting, and the command exits 1.
func TestConfigCheckBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aftersale.yaml")
	bad := "timezone: UTC\n" +
		"insiders:\n" +
		"  next_level:\n" +
		"    - sku: course-101\n" +
		"      name: Mastermind\n" +
		"      url: https://shop.example/mm\n" +
		"    - kind: digital\n" +
		"      name: Coaching\n" +
		"      url: shop.example/coaching\n" +
		"returns:\n" +
		"  refund_days: -2\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := run(t, "config", "check", path)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{
		path + ":9: insiders.next_level[1].url: must be an http(s) URL\n",
		path + ":11: returns.refund_days: must not be negative\n",
		path + ": 2 errors",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("%q not in\n%s", want, stderr)
		}
	}

	if err := os.WriteFile(path, []byte("timezone: Europe/Berlin\nunknown_setting: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run(t, "config", "check", path); code != 1 || !strings.Contains(stderr, path+":2: unknown_setting: unknown setting") {
		t.Errorf("unknown setting: exit %d, %s", code, stderr)
	}
}

// TestConfigCheckGoodFile: the example passes, exit 0; --env applies the
// environment's overrides, whose errors name the variable.
func TestConfigCheckGoodFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aftersale.yaml")
	stdout, _, code := run(t, "config", "example")
	if code != 0 || !strings.Contains(stdout, "quiet_hours:") {
		t.Fatalf("config example: exit %d, %q", code, stdout)
	}
	if err := os.WriteFile(path, []byte(stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := run(t, "config", "check", path); code != 0 || stdout != "ok  "+path+"\n" {
		t.Errorf("config check of the example: exit %d, %q %q", code, stdout, stderr)
	}
	t.Setenv("AFTERSALE_NEXT_LEVEL", "course-101=Mastermind")
	if _, stderr, code := run(t, "config", "check", "--env", path); code != 1 || !strings.Contains(stderr, "AFTERSALE_NEXT_LEVEL (--next-level): next-level entry") {
		t.Errorf("config check --env: exit %d, %s", code, stderr)
	}
}

// TestServeSettings: serve takes the defaults, then the file (here
// aftersale.yaml in the data dir), then the variables; the process flags'
// defaults are config.Defaults'.
func TestServeSettings(t *testing.T) {
	for _, e := range os.Environ() {
		if k, _, _ := strings.Cut(e, "="); strings.HasPrefix(k, "AFTERSALE_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	dir := t.TempDir()
	var cli CLI
	k, err := kong.New(&cli)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Parse([]string{"serve", "--data-dir", dir}); err != nil {
		t.Fatal(err)
	}
	want := config.Defaults().Process
	want.DataDir = dir
	if got := cli.Serve.Process; !reflect.DeepEqual(got, want) {
		t.Errorf("process flags %+v, want %+v", got, want)
	}

	if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte("timezone: Europe/Berlin\nreturns:\n  refund_days: 3\n  window_days: 30\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AFTERSALE_RETURN_WINDOW_DAYS", "14")
	cli = CLI{}
	if k, err = kong.New(&cli); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Parse([]string{"serve", "--data-dir", dir, "--timezone", "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := cli.Serve.config(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Timezone != "America/New_York" || cfg.Returns.RefundDays != 3 || cfg.Returns.WindowDays != 14 || cfg.Insiders.ReferralRewardDays != 60 {
		t.Errorf("flag %q, file %d, variable %d, default %d", cfg.Timezone, cfg.Returns.RefundDays, cfg.Returns.WindowDays, cfg.Insiders.ReferralRewardDays)
	}
}
