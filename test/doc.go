// Package test holds the fault tests that drive the real aftersale binary:
// kill -9 under load and restart. They build cmd/aftersale, run it as a
// child process against a real SMTP test server, and count what arrives.
package test
