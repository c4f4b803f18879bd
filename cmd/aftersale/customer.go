package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/aftersale/aftersale"
)

// CustomerCmd groups the privacy tools. They take the service's settings
// (the same flags and AFTERSALE_* variables as serve): erase processes the
// events still waiting in the inbox as the service would.
type CustomerCmd struct {
	Export CustomerExportCmd `cmd:"" help:"Print everything held on a customer as JSON: the customer record, orders, shipments, returns, events, emails, tasks, survey answers, plans, coupons, referrals and journey steps."`
	Erase  CustomerEraseCmd  `cmd:"" help:"Erase a customer's personal data everywhere it is kept (the database, the outbox folder); orders and counts stay, anonymous. Best run with the service stopped, or through the admin UI or DELETE /api/v1/customers/EMAIL of the running service."`
}

// CustomerExportCmd exports a customer's data.
type CustomerExportCmd struct {
	ServeCmd
	Email  string `arg:"" help:"The customer's email address."`
	Output string `name:"output" short:"o" type:"path" help:"Write the JSON to this file (created with mode 0600) instead of standard output."`
}

// Run writes the export.
func (c *CustomerExportCmd) Run(log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := c.open(log)
	if err != nil {
		return err
	}
	defer a.Close()
	x, err := a.Privacy().Export(ctx, c.Email)
	if err != nil {
		return errors.New(aftersale.ErrorMessage(err))
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if c.Output == "" || c.Output == "-" {
		_, err = os.Stdout.Write(b)
		return err
	}
	f, err := os.OpenFile(c.Output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d orders, %d emails, %d events)\n", c.Output, len(x.Orders), len(x.Messages), len(x.Events))
	return nil
}

// CustomerEraseCmd erases a customer's personal data.
type CustomerEraseCmd struct {
	ServeCmd
	Email string `arg:"" help:"The customer's email address."`
	Yes   bool   `name:"yes" short:"y" help:"Do not ask for confirmation on a terminal (a script, whose standard input is not a terminal, is not asked)."`
}

// Run asks, erases and says what it did.
func (c *CustomerEraseCmd) Run(log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	addr := strings.ToLower(strings.TrimSpace(c.Email))
	if !c.Yes {
		if err := confirmErase(os.Stdin, os.Stderr, addr); err != nil {
			return err
		}
	}
	a, err := c.open(log)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.Privacy().Erase(ctx, addr, "cli")
	if rep == nil && err != nil {
		return errors.New(aftersale.ErrorMessage(err))
	}
	fmt.Printf("erased customer #%d: personal data removed, orders and counts kept\n", rep.CustomerID)
	fmt.Printf("  journeys stopped:       %d (%d pending steps)\n", rep.RunsExited, rep.StepsStopped)
	fmt.Printf("  outbox files removed:   %d\n", rep.OutboxFiles)
	if err != nil {
		return errors.New(aftersale.ErrorMessage(err))
	}
	fmt.Println("  database files rewritten: yes")
	return nil
}

// confirmErase asks on a terminal for the address to be typed again; a
// script (standard input not a terminal) named the address already.
func confirmErase(in *os.File, out io.Writer, addr string) error {
	if !term.IsTerminal(int(in.Fd())) {
		return nil
	}
	fmt.Fprintf(out, "This erases the personal data of %s for good: name, email, phone, the emails sent, notes,\n"+
		"survey comments and event payloads. Orders and counts stay, without the person.\n"+
		"Type the email address again to confirm: ", addr)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("not confirmed; nothing was erased")
	}
	if strings.ToLower(strings.TrimSpace(line)) != addr {
		return errors.New("the address typed differs; nothing was erased")
	}
	return nil
}
