// Command pgping is the test command's (scripts/test.sh) helper for
// PostgreSQL: it checks that a server answers, creates a database, or
// prints a free loopback port for a private cluster.
//
//	pgping URL              exit 0 when the server at URL answers
//	pgping -create NAME URL create database NAME on the server at URL
//	pgping -free-port       print a free TCP port on 127.0.0.1
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	create := flag.String("create", "", "create this database")
	freePort := flag.Bool("free-port", false, "print a free TCP port on 127.0.0.1")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: pgping URL | pgping -create NAME URL | pgping -free-port")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *freePort {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fail(err)
		}
		fmt.Println(l.Addr().(*net.TCPAddr).Port)
		l.Close()
		return
	}
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, flag.Arg(0))
	if err != nil {
		fail(err)
	}
	defer conn.Close(context.Background())
	if *create != "" {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{*create}.Sanitize()); err != nil {
			fail(err)
		}
		return
	}
	if err := conn.Ping(ctx); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pgping:", err)
	os.Exit(1)
}
