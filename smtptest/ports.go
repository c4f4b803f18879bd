package smtptest

import (
	"net"
	"testing"
)

// ClosedAddr returns a loopback address where nothing listens: a port
// that was taken and closed again.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// NotSMTP starts a loopback server that answers every connection with
// greeting and hangs up (a port that is open but does not speak SMTP),
// stopped when the test ends, and returns its address.
func NotSMTP(t testing.TB, greeting string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(greeting))
			c.Close()
		}
	}()
	return l.Addr().String()
}
