package main

import "errors"

// CustomerCmd exports or erases a customer (placeholder, replaced by the real command).
type CustomerCmd struct{}

// Run is a placeholder.
func (c *CustomerCmd) Run() error { return errors.New("not implemented yet") }
