package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/team"
)

// UserCmd groups the team tools.
type UserCmd struct {
	Add  UserAddCmd  `cmd:"" help:"Add a team member who can log in to the admin UI."`
	List UserListCmd `cmd:"" help:"List the team members."`
}

// UserAddCmd adds a team member.
type UserAddCmd struct {
	ServeCmd
	Email    string `name:"email" required:"" help:"The member's email: the login, and the From of their personal emails."`
	Name     string `name:"name" help:"The member's name, as customers see it (default: the part of the email before @)."`
	Role     string `name:"role" default:"assistant" enum:"owner,assistant,program_manager" help:"owner (manages the team), assistant or program_manager."`
	Password string `name:"password" env:"AFTERSALE_USER_PASSWORD" help:"The password (at least 10 characters); asked for when not given."`
}

// Run adds the member.
func (c *UserAddCmd) Run(log *slog.Logger) error {
	pw := c.Password
	if pw == "" {
		var err error
		if pw, err = askPassword(); err != nil {
			return err
		}
	}
	a, err := c.open(log)
	if err != nil {
		return err
	}
	defer a.Close()
	m, err := a.Team().AddMember(context.Background(), team.NewMember{
		Email: c.Email, Name: c.Name, Role: aftersale.Role(c.Role), Password: pw,
	})
	if err != nil {
		return errors.New(aftersale.ErrorMessage(err))
	}
	fmt.Printf("added %s (%s) as %s\n", m.Email, m.Name, m.Role)
	return nil
}

// UserListCmd lists the team.
type UserListCmd struct {
	ServeCmd
}

// Run prints the members.
func (c *UserListCmd) Run(log *slog.Logger) error {
	a, err := c.open(log)
	if err != nil {
		return err
	}
	defer a.Close()
	list, err := a.Team().Members(context.Background())
	if err != nil {
		return err
	}
	for _, m := range list {
		state := ""
		if !m.Active {
			state = " (deactivated)"
		}
		fmt.Printf("%-32s %-16s %s%s\n", m.Email, m.Role, m.Name, state)
	}
	return nil
}

// open builds the app (storage and service) without serving.
func (c *ServeCmd) open(log *slog.Logger) (*app.App, error) {
	cfg, err := c.config(log)
	if err != nil {
		return nil, err
	}
	return app.New(context.Background(), cfg)
}

// askPassword reads a password twice from the terminal without echo, or
// once from a pipe.
func askPassword() (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("no password: give --password, AFTERSALE_USER_PASSWORD, or type it")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(os.Stderr, "Password: ")
	a, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(os.Stderr, "Again: ")
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", errors.New("the two passwords differ")
	}
	return string(a), nil
}
