package main

import "errors"

// CouponsCmd manages coupon codes (placeholder, replaced by the real command).
type CouponsCmd struct{}

// Run is a placeholder.
func (c *CouponsCmd) Run() error { return errors.New("not implemented yet") }
