package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

// The admin UI's login limits (web/admin), which the tests use.
const (
	loginMaxFailures = 5
	loginWindow      = 15 * time.Minute
)

// manualLimiter is a limiter whose clock the test moves.
func manualLimiter(max int, window time.Duration) (*Limiter, *time.Time) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	l := New(max, window)
	l.now = func() time.Time { return now }
	return l, &now
}

// checkCounts fails unless the per-kind counts agree with the keys held
// and no kind is over its budget.
func checkCounts(t *testing.T, l *Limiter) {
	t.Helper()
	got := map[string]int{}
	for k := range l.fails {
		got[keyKind(k)]++
	}
	if len(got) != len(l.kinds) {
		t.Errorf("kinds counted %v, held %v", l.kinds, got)
	}
	for kind, n := range got {
		if l.kinds[kind] != n {
			t.Errorf("kind %q: counted %d keys, holds %d", kind, l.kinds[kind], n)
		}
		if n > l.budget {
			t.Errorf("kind %q holds %d keys, over the budget of %d", kind, n, l.budget)
		}
	}
}

// TestLoginLimiterFloodKeepsLockedAccount: an account locked out after 5
// failed logins stays locked while an attacker floods the limiter with
// more than MaxKeys other logins (a new account and a new client
// address each time), within the window; and a flood of client addresses
// alone does not take away the count of an account below the limit. The memory stays bounded per kind of key.
func TestLoginLimiterFloodKeepsLockedAccount(t *testing.T) {
	t.Parallel()
	l, now := manualLimiter(loginMaxFailures, loginWindow)
	victim := []string{"email:victim@shop.example", "ip:203.0.113.7"}
	for range loginMaxFailures {
		if _, _, ok := l.Reserve(victim); !ok {
			t.Fatal("refused before the limit")
		}
		*now = now.Add(time.Second)
	}
	if _, ok := l.Blocked([]string{"email:victim@shop.example", "ip:198.51.100.1"}); !ok {
		t.Fatal("the account is not blocked after 5 failures")
	}

	flood := MaxKeys + MaxKeys/2
	for i := range flood {
		keys := []string{fmt.Sprintf("email:flood%d@x.example", i), fmt.Sprintf("ip:10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
		if _, _, ok := l.Reserve(keys); !ok {
			t.Fatalf("flood attempt %d refused", i)
		}
		if i%1000 == 0 {
			*now = now.Add(time.Second) // 150 s in all, well within the window
		}
	}
	checkCounts(t, l)
	if len(l.fails) > 2*MaxKeys {
		t.Errorf("%d keys held after the flood, want at most %d", len(l.fails), 2*MaxKeys)
	}
	wait, ok := l.Blocked([]string{"email:victim@shop.example", "ip:198.51.100.2"})
	if !ok {
		t.Fatalf("after %d other logins the targeted account is no longer blocked", flood)
	}
	if want := loginWindow - now.Sub(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)); wait != want {
		t.Errorf("blocked for %v, want %v (until its first failure is a window old)", wait, want)
	}

	// A flood of client addresses alone does not take the failures of an
	// account below the limit away (a flood of accounts may, the oldest
	// first): two more and it is blocked.
	partial := []string{"email:ana@shop.example", "ip:203.0.113.8"}
	for range 3 {
		l.Fail(partial)
	}
	for i := range flood {
		l.Fail([]string{fmt.Sprintf("ip:172.16.%d.%d", i>>8&255, i&255) + fmt.Sprintf("/%d", i>>16)})
	}
	checkCounts(t, l)
	l.Fail(partial)
	l.Fail([]string{"email:ana@shop.example", "ip:203.0.113.9"})
	if _, ok := l.Blocked([]string{"email:ana@shop.example", "ip:198.51.100.3"}); !ok {
		t.Fatal("an address flood made the limiter forget an account's failures")
	}
	if _, ok := l.Blocked([]string{"email:victim@shop.example", "ip:198.51.100.4"}); !ok {
		t.Fatal("an address flood made the limiter forget a locked account")
	}

	// The window still ends the block.
	*now = now.Add(loginWindow)
	if _, ok := l.Blocked([]string{"email:victim@shop.example", "ip:198.51.100.5"}); ok {
		t.Fatal("still blocked a window later")
	}
}

// TestLimiterEvictionOrder: at the budget of a kind, a new key makes the
// limiter forget, of that kind only, first the keys whose attempts are all
// older than the window, then the keys below the limit seen least
// recently; a key at the limit goes only when every key is at the limit,
// the one whose block ends soonest first.
func TestLimiterEvictionOrder(t *testing.T) {
	t.Parallel()
	l, now := manualLimiter(3, time.Hour)
	l.budget = 20
	l.Fail([]string{"email:expired", "ip:1"})
	*now = now.Add(30 * time.Minute)
	for range 3 {
		l.Fail([]string{"email:locked"})
	}
	l.Fail([]string{"email:old"})
	*now = now.Add(time.Minute)
	for i := 0; l.kinds["email"] < l.budget; i++ {
		l.Fail([]string{fmt.Sprintf("email:f%d", i)})
		*now = now.Add(time.Second)
	}
	*now = now.Add(30 * time.Minute) // "email:expired" is now a window old
	l.Fail([]string{"email:new"})
	checkCounts(t, l)
	for key, kept := range map[string]bool{
		"email:expired": false, // first: nothing left within the window
		"email:old":     false, // then the oldest below the limit
		"email:locked":  true,
		"email:f0":      true, // the next oldest: the budget had room once the two went
		"email:new":     true,
		"ip:1":          true, // another kind's budget: untouched
	} {
		if _, ok := l.fails[key]; ok != kept {
			t.Errorf("%s kept: %v, want %v", key, ok, kept)
		}
	}
	if _, ok := l.Blocked([]string{"email:locked"}); !ok {
		t.Error("the locked key is no longer blocked")
	}
	if n := l.kinds["email"]; n != 19 {
		t.Errorf("%d email keys, want 19 (two forgotten, one added)", n)
	}

	// Every key at the limit: the block that ends soonest goes.
	l, now = manualLimiter(2, time.Hour)
	l.budget = 4
	for i := range 4 {
		l.Fail([]string{fmt.Sprintf("email:l%d", i)})
		l.Fail([]string{fmt.Sprintf("email:l%d", i)})
		*now = now.Add(time.Minute)
	}
	l.Fail([]string{"email:next"})
	checkCounts(t, l)
	if _, ok := l.fails["email:l0"]; ok {
		t.Error("the block that ends soonest was kept")
	}
	for _, k := range []string{"email:l1", "email:l2", "email:l3", "email:next"} {
		if _, ok := l.fails[k]; !ok {
			t.Errorf("%s was forgotten", k)
		}
	}
}

// TestLimiterCounts: reset, refund and expiry keep the per-kind counts
// right, and forget a kind whose keys are all gone.
func TestLimiterCounts(t *testing.T) {
	t.Parallel()
	l, now := manualLimiter(loginMaxFailures, loginWindow)
	keys := []string{"email:a@x", "ip:1.2.3.4"}
	at, _, _ := l.Reserve(keys)
	l.Fail([]string{"email:b@x", "ip:1.2.3.4"})
	checkCounts(t, l)
	l.Refund(keys, at)
	checkCounts(t, l)
	if _, ok := l.fails["email:a@x"]; ok {
		t.Error("a refunded key with no attempt left is kept")
	}
	l.Reset("email:b@x")
	checkCounts(t, l)
	if l.kinds["email"] != 0 || l.kinds["ip"] != 1 {
		t.Errorf("counts %v, want ip 1 and no email", l.kinds)
	}
	*now = now.Add(loginWindow)
	if _, ok := l.Blocked([]string{"ip:1.2.3.4"}); ok {
		t.Error("blocked after one failure")
	}
	checkCounts(t, l)
	if len(l.fails) != 0 || len(l.kinds) != 0 {
		t.Errorf("after the window: keys %v, kinds %v; want none", l.fails, l.kinds)
	}
}

// TestLoginLimiter: five failures block the account and the address for
// the rest of the window; a reset frees the account; the window ends the
// block and forgets the failures.
func TestLoginLimiter(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	l := New(loginMaxFailures, loginWindow)
	l.now = func() time.Time { return now }
	keys := []string{"email:a@x", "ip:1.2.3.4"}
	for i := range loginMaxFailures {
		if _, b := l.Blocked(keys); b {
			t.Fatalf("blocked after %d failures", i)
		}
		l.Fail(keys)
		now = now.Add(time.Minute)
	}
	wait, b := l.Blocked(keys)
	if !b || wait != loginWindow-5*time.Minute {
		t.Fatalf("after 5 failures: %v %v", wait, b)
	}
	if _, b := l.Blocked([]string{"email:other@x", "ip:1.2.3.4"}); !b {
		t.Fatal("the address is not blocked for another email")
	}
	l.Reset("email:a@x")
	if _, b := l.Blocked([]string{"email:a@x", "ip:5.6.7.8"}); b {
		t.Fatal("the email is still blocked after a reset")
	}
	now = now.Add(loginWindow)
	if _, b := l.Blocked(keys); b {
		t.Fatal("still blocked after the window")
	}
	if len(l.fails) != 0 {
		t.Fatalf("old failures kept: %v", l.fails)
	}
}
