package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/insiders"
)

// CouponsCmd manages coupon codes.
type CouponsCmd struct {
	Import CouponsImportCmd `cmd:"" help:"Import codes created in the shop into a pool, for offer steps with pool: NAME. Codes already there are skipped."`
	List   CouponsListCmd   `cmd:"" help:"Show the pools of imported codes: how many are left, given out and used."`
}

// CouponsImportCmd imports codes into a pool.
type CouponsImportCmd struct {
	ServeCmd
	Pool    string `name:"pool" required:"" help:"The pool's name, as an offer step names it (pool: NAME)."`
	Percent int    `name:"percent" default:"0" help:"The discount the codes give, in percent, as emails show it (0: not said)."`
	Expires string `name:"expires" placeholder:"YYYY-MM-DD" help:"The last day the codes work, in --timezone (default: they do not expire)."`
	File    string `arg:"" type:"existingfile" help:"One code per line, or a CSV file whose first column holds the codes (a header row named code is skipped)."`
}

// importChunk is how many codes are stored per transaction.
const importChunk = 500

// Run reads the file and adds its codes to the pool.
func (c *CouponsImportCmd) Run(log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.Percent < 0 || c.Percent > 100 {
		return errors.New("--percent must be between 0 and 100")
	}
	var expires time.Time
	if c.Expires != "" {
		loc, err := aftersale.LoadLocation(c.Timezone)
		if err != nil {
			return fmt.Errorf("--timezone: %w", err)
		}
		d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(c.Expires), loc)
		if err != nil {
			return fmt.Errorf("--expires %q: want a date as YYYY-MM-DD", c.Expires)
		}
		expires = time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc)
	}
	codes, dups, err := readCodes(c.File)
	if err != nil {
		return err
	}
	if len(codes) == 0 {
		return fmt.Errorf("%s: no codes found", c.File)
	}
	a, err := c.open(log)
	if err != nil {
		return err
	}
	defer a.Close()
	bar := progressbar.Default(int64(len(codes)), "importing into "+c.Pool)
	added := 0
	for start := 0; start < len(codes); start += importChunk {
		chunk := codes[start:min(start+importChunk, len(codes))]
		n, err := a.Insiders().ImportCoupons(ctx, c.Pool, chunk, c.Percent, expires)
		if err != nil {
			_ = bar.Exit()
			fmt.Printf("added %d codes to pool %s before the error\n", added, c.Pool)
			return errors.New(aftersale.ErrorMessage(err))
		}
		added += n
		_ = bar.Add(len(chunk))
	}
	_ = bar.Finish()
	fmt.Printf("added %d codes to pool %s, skipped %d (already there or twice in the file)\n", added, c.Pool, len(codes)-added+dups)
	left, err := a.Insiders().PoolAvailable(ctx, c.Pool)
	if err == nil {
		fmt.Printf("pool %s has %d unused codes\n", c.Pool, left)
	}
	return nil
}

// readCodes reads the codes of a file: the first column of each row
// (a plain list is a CSV file of one column), trimmed, without blank
// rows, a header row, or codes seen before in the file (counted in dups).
// It shows a progress bar while reading.
func readCodes(path string) (codes []string, dups int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	bar := progressbar.DefaultBytes(fi.Size(), "reading "+path)
	r := csv.NewReader(io.TeeReader(f, bar))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.TrimLeadingSpace = true
	r.Comment = '#'
	seen := map[string]bool{}
	for row := 0; ; row++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			_ = bar.Exit()
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		code := strings.TrimSpace(rec[0])
		if code == "" || row == 0 && slices.Contains([]string{"code", "codes", "coupon", "coupon code", "discount code", "name"}, strings.ToLower(code)) {
			continue
		}
		if strings.ContainsFunc(code, func(r rune) bool { return r <= ' ' || r == 0x7f }) || len(code) > 100 {
			_ = bar.Exit()
			line, _ := r.FieldPos(0)
			return nil, 0, fmt.Errorf("%s:%d: %.30q is not a code: one word of at most 100 characters", path, line, code)
		}
		if key := strings.ToUpper(code); seen[key] {
			dups++
			continue
		} else {
			seen[key] = true
		}
		codes = append(codes, code)
	}
	_ = bar.Finish()
	return codes, dups, nil
}

// CouponsListCmd shows the pools.
type CouponsListCmd struct {
	ServeCmd
	Pool string `name:"pool" help:"Show this pool only."`
}

// Run prints each pool's counts.
func (c *CouponsListCmd) Run(log *slog.Logger) error {
	a, err := c.open(log)
	if err != nil {
		return err
	}
	defer a.Close()
	pools, err := a.Insiders().CouponPools(context.Background())
	if err != nil {
		return errors.New(aftersale.ErrorMessage(err))
	}
	if c.Pool != "" {
		pools = slices.DeleteFunc(pools, func(p insiders.PoolStat) bool { return p.Pool != c.Pool })
		if len(pools) == 0 {
			fmt.Printf("pool %s has no codes\n", c.Pool)
			return nil
		}
	}
	if len(pools) == 0 {
		fmt.Println("no pools: import codes with aftersale coupons import --pool NAME FILE")
		return nil
	}
	fmt.Printf("%-24s %10s %10s %10s\n", "POOL", "AVAILABLE", "GIVEN", "USED")
	for _, p := range pools {
		fmt.Printf("%-24s %10d %10d %10d\n", p.Pool, p.Available, p.Given, p.Redeemed)
	}
	return nil
}
