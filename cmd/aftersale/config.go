package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kong"

	"github.com/aftersale/aftersale/config"
)

// ConfigCmd groups the settings file tools.
type ConfigCmd struct {
	Check   ConfigCheckCmd   `cmd:"" help:"Check a settings file; each error names the file, line and setting. Exits 1 on errors."`
	Example ConfigExampleCmd `cmd:"" help:"Print a commented example settings file: every setting with its built-in default."`
}

// ConfigCheckCmd checks a settings file.
type ConfigCheckCmd struct {
	File string `arg:"" type:"path" help:"The settings file (e.g. aftersale.yaml)."`
	Env  bool   `name:"env" help:"Also apply the AFTERSALE_* overrides of the environment, as serve would."`
}

// Run checks and reports on k.Stdout (ok) or k.Stderr (the errors).
func (c *ConfigCheckCmd) Run(k *kong.Context) error {
	return checkSettings(k.Stdout, k.Stderr, c.File, c.Env, os.LookupEnv)
}

// checkSettings loads file (and, with env, the overrides of lookup),
// checks every setting, and prints each error on its own line.
func checkSettings(stdout, stderr io.Writer, file string, env bool, lookup func(string) (string, bool)) error {
	s, err := config.Load(file)
	if err == nil && env {
		err = config.OverridesFromEnv(lookup).Apply(&s)
	}
	if err == nil {
		err = s.Normalize()
	}
	if err == nil {
		fmt.Fprintf(stdout, "ok  %s\n", file)
		return nil
	}
	var errs config.Errors
	if !errors.As(err, &errs) {
		return err
	}
	for _, e := range errs {
		fmt.Fprintln(stderr, e)
	}
	if len(errs) == 1 {
		return fmt.Errorf("%s: 1 error", file)
	}
	return fmt.Errorf("%s: %d errors", file, len(errs))
}

// ConfigExampleCmd prints the example settings file.
type ConfigExampleCmd struct{}

// Run prints it.
func (c *ConfigExampleCmd) Run(k *kong.Context) error {
	_, err := k.Stdout.Write(config.Example())
	return err
}
