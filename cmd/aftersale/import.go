package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/schollz/progressbar/v3"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/csvimport"
)

// ImportCmd groups the importers.
type ImportCmd struct {
	Orders ImportOrdersCmd `cmd:"" help:"Import past orders from a CSV file (columns: see docs/shop-platforms.md). Importing the same file again adds nothing."`
}

// ImportOrdersCmd imports past orders. It takes the service's settings
// (the same flags and AFTERSALE_* variables as serve), since the orders are
// processed as the service would.
type ImportOrdersCmd struct {
	ServeCmd
	File          string `arg:"" type:"existingfile" help:"The CSV file; its first row names the columns."`
	DryRun        bool   `name:"dry-run" help:"Read and check every row, report, and store nothing."`
	StartJourneys bool   `name:"start-journeys" help:"Start the journeys of the imported orders (their emails go out as if the orders were new). Without it, past orders are recorded for the customers' history and reports only."`
	SkipInvalid   bool   `name:"skip-invalid" help:"Import the valid orders even when some rows have errors (by default nothing is imported until every row is fixed)."`
	MaxErrors     int    `name:"max-errors" default:"50" help:"Row errors to print at most."`
}

// Run reads, checks, stores and processes the file, with progress bars.
func (c *ImportOrdersCmd) Run(log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kinds, err := c.itemKinds(log)
	if err != nil {
		return err
	}
	f, err := os.Open(c.File)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	bar := progressbar.DefaultBytes(fi.Size(), "reading "+c.File)
	rd, err := csvimport.NewReader(io.TeeReader(f, bar), kinds)
	if err != nil {
		return fmt.Errorf("%s: %w", c.File, err)
	}
	res, err := rd.ReadAll(nil)
	_ = bar.Finish()
	if err != nil {
		return fmt.Errorf("%s: %w", c.File, err)
	}
	fmt.Fprintf(os.Stderr, "%d rows, %d orders, %d rows with errors\n", res.Rows, res.Orders, len(res.Errors))
	for i, e := range res.Errors {
		if i == c.MaxErrors {
			fmt.Fprintf(os.Stderr, "... and %d more\n", len(res.Errors)-i)
			break
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", c.File, e)
	}
	switch {
	case c.DryRun:
		if len(res.Errors) > 0 {
			return fmt.Errorf("dry run: %d rows have errors; nothing was stored", len(res.Errors))
		}
		fmt.Fprintln(os.Stderr, "dry run: every row is fine; nothing was stored")
		return nil
	case len(res.Errors) > 0 && !c.SkipInvalid:
		return fmt.Errorf("%d rows have errors; nothing was imported (fix them, or use --skip-invalid)", len(res.Errors))
	}
	for _, ev := range res.Events {
		if ev.Type == aftersale.EventOrderPlaced {
			ev.History = !c.StartJourneys
		}
	}

	cfg, err := c.config(log)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	store := progressbar.Default(int64(len(res.Events)), "storing")
	process := progressbar.Default(-1, "processing")
	rep, err := a.ImportOrders(ctx, res.Events,
		func(n int) { _ = store.Set(n) },
		func(n int) { _ = process.Set(n) })
	_ = store.Finish()
	_ = process.Finish()
	if rep != nil {
		fmt.Printf("added %d events, %d imported before (unchanged), %d processed now\n", rep.Added, rep.Known, rep.Processed)
		if rep.Changed > 0 {
			fmt.Printf("%d orders were imported before with other content and were left as first imported (a new import does not change an order), among them: %s\n",
				rep.Changed, strings.Join(rep.ChangedIDs, ", "))
		}
	}
	return err
}
