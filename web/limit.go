package web

import (
	"net"
	"net/http"
	"time"
)

// Returns lookup rate limits: at most returnsMaxTries order lookups of the
// public returns page per client IP address within returnsWindow, found or
// not, so that nobody can guess order numbers (the counting is
// internal/ratelimit's).
const (
	returnsMaxTries = 10
	returnsWindow   = 15 * time.Minute
)

// clientIP is the address of the client of r (the peer: aftersale does
// not trust forwarding headers).
func clientIP(r *http.Request) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return ip
}

// ClientIP is the address of the client of r, as the rate limits key it
// (the admin UI's login limit too): the peer, never a forwarding header.
func ClientIP(r *http.Request) string { return clientIP(r) }
