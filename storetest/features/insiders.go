package features

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// testInsiders runs the conformance tests of these store methods as subtests.
// They share the store: each makes its own customers, orders, codes and
// pools, and the lists are read in time windows of their own (insidersLate
// and after) or by customer.
func testInsiders(t *testing.T, s aftersale.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s aftersale.Store)
	}{
		{"CouponIssue", testCouponIssue},
		{"CouponIssueConcurrent", testCouponIssueConcurrent},
		{"CouponImport", testCouponImport},
		{"CouponTakeFromPool", testCouponTakeFromPool},
		{"CouponTakeFromPoolConcurrent", testCouponTakeFromPoolConcurrent},
		{"CouponRedeem", testCouponRedeem},
		{"CouponList", testCouponList},
		{"ReferralCode", testReferralCode},
		{"ReferralCodeConcurrent", testReferralCodeConcurrent},
		{"ReferralRecord", testReferralRecord},
		{"ReferralList", testReferralList},
		{"Stories", testStories},
		{"StorySends", testStorySends},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, s) })
	}
}

// insidersLate is the start of the time window of the list tests: every
// other insiders test stores its rows before it.
var insidersLate = fixture.At(1000 * time.Hour)

// offerCoupon returns an unsaved generated offer code for the customer.
func offerCoupon(customerID int64, code string, stepID int64, created time.Time) *aftersale.Coupon {
	return &aftersale.Coupon{Code: code, CustomerID: customerID, Purpose: aftersale.CouponOffer, StepID: stepID,
		PercentOff: 15, ExpiresAt: created.Add(14 * 24 * time.Hour), CreatedAt: created}
}

// issueCoupon stores a new generated code.
func issueCoupon(t *testing.T, s aftersale.Store, c *aftersale.Coupon) *aftersale.Coupon {
	t.Helper()
	got, created, err := s.CouponIssue(t.Context(), c)
	fixture.Ok(t, err)
	if !created {
		t.Fatalf("CouponIssue of %s: created = false", c.Code)
	}
	return got
}

func testCouponIssue(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann.issue@example.com")
	bob := fixture.NewCustomer(t, s, "bob.issue@example.com")

	// A generated code without a step; it is stored upper-cased, and times
	// come back in UTC.
	east := time.FixedZone("UTC+5", 5*60*60)
	in := offerCoupon(ann.ID, "welcome-Ann1", 0, fixture.At(time.Hour).In(east))
	c, created, err := s.CouponIssue(ctx, in)
	fixture.Ok(t, err)
	if !created || c.ID == 0 {
		t.Fatalf("first CouponIssue: created %v, ID %d", created, c.ID)
	}
	want := &aftersale.Coupon{ID: c.ID, Code: "WELCOME-ANN1", CustomerID: ann.ID, Purpose: aftersale.CouponOffer,
		PercentOff: 15, ExpiresAt: fixture.At(time.Hour + 14*24*time.Hour), CreatedAt: fixture.At(time.Hour)}
	fixture.Same(t, "CouponIssue", c, want)
	for _, code := range []string{"WELCOME-ANN1", "welcome-ann1", " Welcome-Ann1 "} {
		got, err := s.CouponGetByCode(ctx, code)
		fixture.Ok(t, err)
		fixture.Same(t, "CouponGetByCode "+code, got, want)
	}
	_, err = s.CouponGetByCode(ctx, "WELCOME-NOBODY")
	fixture.WantCode(t, "CouponGetByCode of an unknown code", err, aftersale.ENOTFOUND)

	// The same code, in any case, is a conflict: the caller generates
	// another.
	for _, code := range []string{"WELCOME-ANN1", "welcome-ann1"} {
		_, _, err = s.CouponIssue(ctx, offerCoupon(bob.ID, code, 0, fixture.At(2*time.Hour)))
		fixture.WantCode(t, "CouponIssue of an existing code "+code, err, aftersale.ECONFLICT)
	}
	got, err := s.CouponGetByCode(ctx, "welcome-ann1")
	fixture.Ok(t, err)
	fixture.Same(t, "coupon after a conflicting CouponIssue", got, want)

	// A step gives a customer one code: issuing again for the step returns
	// it, whatever the new code (stored or not).
	stepped := issueCoupon(t, s, offerCoupon(ann.ID, "step-ann", 101, fixture.At(2*time.Hour)))
	wantStepped := &aftersale.Coupon{ID: stepped.ID, Code: "STEP-ANN", CustomerID: ann.ID, Purpose: aftersale.CouponOffer,
		StepID: 101, PercentOff: 15, ExpiresAt: fixture.At(2*time.Hour + 14*24*time.Hour), CreatedAt: fixture.At(2 * time.Hour)}
	fixture.Same(t, "CouponIssue with a step", stepped, wantStepped)
	for _, code := range []string{"STEP-ANN-2", "step-ann", "WELCOME-ANN1"} {
		got, created, err := s.CouponIssue(ctx, offerCoupon(ann.ID, code, 101, fixture.At(3*time.Hour)))
		fixture.Ok(t, err)
		if created {
			t.Fatalf("CouponIssue of step 101 again (code %s): created = true", code)
		}
		fixture.Same(t, "CouponIssue of step 101 again with "+code, got, wantStepped)
	}
	_, err = s.CouponGetByCode(ctx, "STEP-ANN-2")
	fixture.WantCode(t, "the code of a repeated step issue", err, aftersale.ENOTFOUND)

	// The step of another customer is another pair: a new code, or a
	// conflict when the code exists.
	_, _, err = s.CouponIssue(ctx, offerCoupon(bob.ID, "step-ann", 101, fixture.At(3*time.Hour)))
	fixture.WantCode(t, "CouponIssue of an existing code for another customer's step", err, aftersale.ECONFLICT)
	bobStepped := issueCoupon(t, s, offerCoupon(bob.ID, "STEP-BOB", 101, fixture.At(3*time.Hour)))
	if bobStepped.ID == stepped.ID || bobStepped.StepID != 101 || bobStepped.CustomerID != bob.ID {
		t.Fatalf("step 101 for bob: %+v", bobStepped)
	}
	// Another step of the same customer is another code too.
	other := issueCoupon(t, s, offerCoupon(ann.ID, "STEP-ANN-102", 102, fixture.At(3*time.Hour)))
	if other.ID == stepped.ID {
		t.Fatal("step 102 returned the code of step 101")
	}
	// Codes without a step are not limited.
	issueCoupon(t, s, offerCoupon(ann.ID, "WELCOME-ANN2", 0, fixture.At(3*time.Hour)))
	list, err := s.CouponList(ctx, aftersale.CouponFilter{CustomerID: ann.ID})
	fixture.Ok(t, err)
	if len(list) != 4 {
		t.Fatalf("ann has %d coupons, want 4: %s", len(list), fixture.Show(list))
	}

	// A referral reward (no step, no expiry).
	reward := issueCoupon(t, s, &aftersale.Coupon{Code: "THANKS-BOB", CustomerID: bob.ID,
		Purpose: aftersale.CouponReferralReward, PercentOff: 20, CreatedAt: fixture.At(4 * time.Hour)})
	fixture.Same(t, "CouponIssue of a reward", reward, &aftersale.Coupon{ID: reward.ID, Code: "THANKS-BOB", CustomerID: bob.ID,
		Purpose: aftersale.CouponReferralReward, PercentOff: 20, CreatedAt: fixture.At(4 * time.Hour)})

	_, _, err = s.CouponIssue(ctx, offerCoupon(ann.ID, "  ", 0, fixture.T0))
	fixture.WantCode(t, "CouponIssue without a code", err, aftersale.EINVALID)
	_, _, err = s.CouponIssue(ctx, offerCoupon(0, "NOBODY", 0, fixture.T0))
	fixture.WantCode(t, "CouponIssue without a customer", err, aftersale.EINVALID)

	// In a transaction, a conflict is no failure of the transaction: it
	// goes on, sees its own writes, and commits.
	var inTx *aftersale.Coupon
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		_, _, err := tx.CouponIssue(ctx, offerCoupon(bob.ID, "WELCOME-ANN1", 0, fixture.At(5*time.Hour)))
		if aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Errorf("CouponIssue of an existing code in a transaction: %v, want ECONFLICT", err)
		}
		again, created, err := tx.CouponIssue(ctx, offerCoupon(ann.ID, "STEP-ANN-TX", 101, fixture.At(5*time.Hour)))
		if err != nil {
			return err
		}
		if created || again.ID != stepped.ID {
			t.Errorf("CouponIssue of step 101 again in a transaction: created %v, ID %d", created, again.ID)
		}
		c, created, err := tx.CouponIssue(ctx, offerCoupon(bob.ID, "tx-bob", 0, fixture.At(5*time.Hour)))
		if err != nil {
			return err
		}
		if !created {
			t.Error("CouponIssue in a transaction: created = false")
		}
		inTx, err = tx.CouponGetByCode(ctx, "TX-BOB")
		if err != nil {
			return err
		}
		if inTx.ID != c.ID {
			t.Errorf("CouponGetByCode in the transaction: ID %d, want %d", inTx.ID, c.ID)
		}
		return nil
	}))
	got, err = s.CouponGetByCode(ctx, "tx-bob")
	fixture.Ok(t, err)
	fixture.Same(t, "coupon issued in a transaction", got, inTx)

	// A rolled back issue leaves nothing.
	boom := errors.New("boom")
	err = s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if _, _, err := tx.CouponIssue(ctx, offerCoupon(bob.ID, "ROLLED-BACK", 103, fixture.At(6*time.Hour))); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update rolled back: %v", err)
	}
	_, err = s.CouponGetByCode(ctx, "ROLLED-BACK")
	fixture.WantCode(t, "CouponGetByCode of a rolled back code", err, aftersale.ENOTFOUND)
	issueCoupon(t, s, offerCoupon(bob.ID, "NOT-ROLLED-BACK", 103, fixture.At(6*time.Hour)))
}

func testCouponIssueConcurrent(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann.race@example.com")
	const n = 20
	var wg sync.WaitGroup
	got := make([]*aftersale.Coupon, n)
	created := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			got[i], created[i], errs[i] = s.CouponIssue(ctx, offerCoupon(ann.ID, fmt.Sprintf("RACE-%02d", i), 201, fixture.At(time.Hour)))
		})
	}
	wg.Wait()
	var first *aftersale.Coupon
	for i := range n {
		fixture.Ok(t, errs[i])
		if created[i] {
			if first != nil {
				t.Fatalf("two concurrent CouponIssue of step 201 created a code: %s and %s", first.Code, got[i].Code)
			}
			first = got[i]
		}
	}
	if first == nil {
		t.Fatal("no concurrent CouponIssue of step 201 created the code")
	}
	for i := range n {
		fixture.Same(t, fmt.Sprintf("concurrent CouponIssue %d", i), got[i], first)
	}
	list, err := s.CouponList(ctx, aftersale.CouponFilter{CustomerID: ann.ID})
	fixture.Ok(t, err)
	fixture.Same(t, "coupons after concurrent CouponIssue", list, []*aftersale.Coupon{first})

	// Concurrent issues of one code for different customers: one wins, the
	// others conflict.
	var others []*aftersale.Customer
	for i := range 10 {
		others = append(others, fixture.NewCustomer(t, s, fmt.Sprintf("race%d@example.com", i)))
	}
	codes := make([]string, len(others))
	for i, c := range others {
		wg.Go(func() {
			_, _, errs[i] = s.CouponIssue(ctx, offerCoupon(c.ID, "SAME-CODE", 0, fixture.At(time.Hour)))
			codes[i] = aftersale.ErrorCode(errs[i])
		})
	}
	wg.Wait()
	won := 0
	for i := range others {
		switch {
		case errs[i] == nil:
			won++
		case codes[i] != aftersale.ECONFLICT:
			t.Fatalf("concurrent CouponIssue of one code: %v, want ECONFLICT", errs[i])
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent CouponIssue of one code succeeded, want 1", won)
	}
}

func testCouponImport(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann.import@example.com")
	issueCoupon(t, s, offerCoupon(ann.ID, "GENERATED-1", 0, fixture.T0))

	// Blank codes are ignored, codes are upper-cased, and a code given twice
	// is added once.
	added, err := s.CouponImport(ctx, "shop-a", []string{"imp-1", "IMP-1", " ", "imp-2", "Imp-3", ""}, 10, fixture.At(30*24*time.Hour), fixture.At(time.Hour))
	fixture.Ok(t, err)
	if added != 3 {
		t.Fatalf("CouponImport added %d, want 3", added)
	}
	got, err := s.CouponGetByCode(ctx, "imp-3")
	fixture.Ok(t, err)
	fixture.Same(t, "imported code", got, &aftersale.Coupon{ID: got.ID, Code: "IMP-3", Pool: "shop-a", PercentOff: 10,
		ExpiresAt: fixture.At(30 * 24 * time.Hour), CreatedAt: fixture.At(time.Hour)})

	// Codes that exist (in the pool, another pool, or generated) are
	// skipped, and keep what they were.
	added, err = s.CouponImport(ctx, "shop-b", []string{"IMP-2", "generated-1", "imp-4"}, 25, time.Time{}, fixture.At(2*time.Hour))
	fixture.Ok(t, err)
	if added != 1 {
		t.Fatalf("second CouponImport added %d, want 1", added)
	}
	got, err = s.CouponGetByCode(ctx, "IMP-2")
	fixture.Ok(t, err)
	if got.Pool != "shop-a" || got.PercentOff != 10 {
		t.Fatalf("a code imported again changed: %+v", got)
	}
	got, err = s.CouponGetByCode(ctx, "GENERATED-1")
	fixture.Ok(t, err)
	if got.Pool != "" || got.CustomerID != ann.ID {
		t.Fatalf("a generated code imported into a pool changed: %+v", got)
	}
	got, err = s.CouponGetByCode(ctx, "imp-4")
	fixture.Ok(t, err)
	fixture.Same(t, "code imported without an expiry", got, &aftersale.Coupon{ID: got.ID, Code: "IMP-4", Pool: "shop-b",
		PercentOff: 25, CreatedAt: fixture.At(2 * time.Hour)})

	added, err = s.CouponImport(ctx, "shop-a", []string{"imp-1", "IMP-2"}, 10, time.Time{}, fixture.At(3*time.Hour))
	fixture.Ok(t, err)
	if added != 0 {
		t.Fatalf("CouponImport of existing codes added %d", added)
	}
	added, err = s.CouponImport(ctx, "shop-a", nil, 10, time.Time{}, fixture.At(3*time.Hour))
	fixture.Ok(t, err)
	if added != 0 {
		t.Fatalf("CouponImport of no codes added %d", added)
	}
	for pool, want := range map[string]int{"shop-a": 3, "shop-b": 1, "SHOP-A": 0, "": 0, "none": 0} {
		n, err := s.CouponPoolAvailable(ctx, pool)
		fixture.Ok(t, err)
		if n != want {
			t.Errorf("CouponPoolAvailable(%q) = %d, want %d", pool, n, want)
		}
	}
	_, err = s.CouponImport(ctx, "", []string{"NO-POOL"}, 10, time.Time{}, fixture.T0)
	fixture.WantCode(t, "CouponImport without a pool", err, aftersale.EINVALID)

	// In a transaction too, seeing its own writes.
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		added, err := tx.CouponImport(ctx, "shop-tx", []string{"TX-1", "TX-2"}, 5, time.Time{}, fixture.At(4*time.Hour))
		if err != nil {
			return err
		}
		n, err := tx.CouponPoolAvailable(ctx, "shop-tx")
		if err != nil {
			return err
		}
		if added != 2 || n != 2 {
			t.Errorf("CouponImport in a transaction: added %d, available %d; want 2, 2", added, n)
		}
		return nil
	}))
	n, err := s.CouponPoolAvailable(ctx, "shop-tx")
	fixture.Ok(t, err)
	if n != 2 {
		t.Fatalf("CouponPoolAvailable after the transaction = %d, want 2", n)
	}
}

func testCouponTakeFromPool(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann.take@example.com")
	bob := fixture.NewCustomer(t, s, "bob.take@example.com")
	carl := fixture.NewCustomer(t, s, "carl.take@example.com")
	_, err := s.CouponImport(ctx, "take", []string{"TAKE-1", "TAKE-2", "TAKE-3"}, 10, fixture.At(30*24*time.Hour), fixture.T0)
	fixture.Ok(t, err)
	_, err = s.CouponImport(ctx, "take-other", []string{"OTHER-1"}, 50, time.Time{}, fixture.T0)
	fixture.Ok(t, err)
	first, err := s.CouponGetByCode(ctx, "TAKE-1")
	fixture.Ok(t, err)
	available := func(want int) {
		t.Helper()
		n, err := s.CouponPoolAvailable(ctx, "take")
		fixture.Ok(t, err)
		if n != want {
			t.Fatalf("CouponPoolAvailable = %d, want %d", n, want)
		}
	}

	// The oldest unused code is given for the purpose and step, at the
	// given time; the pool's percentage and expiry stay.
	c, err := s.CouponTakeFromPool(ctx, "take", &aftersale.Coupon{CustomerID: ann.ID, Purpose: aftersale.CouponOffer,
		StepID: 301, PercentOff: 99, CreatedAt: fixture.At(time.Hour)})
	fixture.Ok(t, err)
	want := &aftersale.Coupon{ID: first.ID, Code: "TAKE-1", Pool: "take", CustomerID: ann.ID, Purpose: aftersale.CouponOffer,
		StepID: 301, PercentOff: 10, ExpiresAt: fixture.At(30 * 24 * time.Hour), CreatedAt: fixture.At(time.Hour)}
	fixture.Same(t, "CouponTakeFromPool", c, want)
	got, err := s.CouponGetByCode(ctx, "take-1")
	fixture.Ok(t, err)
	fixture.Same(t, "CouponGetByCode of a taken code", got, want)
	available(2)

	// The same step and customer again: the same code, none taken.
	c, err = s.CouponTakeFromPool(ctx, "take", &aftersale.Coupon{CustomerID: ann.ID, Purpose: aftersale.CouponOffer,
		StepID: 301, CreatedAt: fixture.At(2 * time.Hour)})
	fixture.Ok(t, err)
	fixture.Same(t, "CouponTakeFromPool of the same step again", c, want)
	available(2)

	// Without a step (and without a time: the import time stays), and for
	// another customer of the step, new codes, in order.
	c, err = s.CouponTakeFromPool(ctx, "take", &aftersale.Coupon{CustomerID: ann.ID, Purpose: aftersale.CouponReferralReward})
	fixture.Ok(t, err)
	fixture.Same(t, "CouponTakeFromPool without a step", c, &aftersale.Coupon{ID: c.ID, Code: "TAKE-2", Pool: "take",
		CustomerID: ann.ID, Purpose: aftersale.CouponReferralReward, PercentOff: 10, ExpiresAt: fixture.At(30 * 24 * time.Hour),
		CreatedAt: fixture.T0})
	available(1)
	c, err = s.CouponTakeFromPool(ctx, "take", &aftersale.Coupon{CustomerID: bob.ID, Purpose: aftersale.CouponOffer,
		StepID: 301, CreatedAt: fixture.At(3 * time.Hour)})
	fixture.Ok(t, err)
	if c.Code != "TAKE-3" || c.CustomerID != bob.ID || c.StepID != 301 {
		t.Fatalf("CouponTakeFromPool for bob: %+v", c)
	}
	available(0)

	// An empty pool, and a pool that does not exist.
	_, err = s.CouponTakeFromPool(ctx, "take", &aftersale.Coupon{CustomerID: carl.ID, Purpose: aftersale.CouponOffer,
		StepID: 301, CreatedAt: fixture.At(4 * time.Hour)})
	fixture.WantCode(t, "CouponTakeFromPool of an empty pool", err, aftersale.ENOTFOUND)
	_, err = s.CouponTakeFromPool(ctx, "nothing", &aftersale.Coupon{CustomerID: carl.ID, Purpose: aftersale.CouponOffer})
	fixture.WantCode(t, "CouponTakeFromPool of a missing pool", err, aftersale.ENOTFOUND)
	// A code given for the step is returned even from an empty pool.
	c, err = s.CouponTakeFromPool(ctx, "take", &aftersale.Coupon{CustomerID: ann.ID, Purpose: aftersale.CouponOffer,
		StepID: 301, CreatedAt: fixture.At(5 * time.Hour)})
	fixture.Ok(t, err)
	fixture.Same(t, "CouponTakeFromPool of a given step from an empty pool", c, want)
	// A generated code of the step counts as given too.
	gen := issueCoupon(t, s, offerCoupon(carl.ID, "CARL-302", 302, fixture.At(time.Hour)))
	c, err = s.CouponTakeFromPool(ctx, "take-other", &aftersale.Coupon{CustomerID: carl.ID, Purpose: aftersale.CouponOffer,
		StepID: 302, CreatedAt: fixture.At(5 * time.Hour)})
	fixture.Ok(t, err)
	fixture.Same(t, "CouponTakeFromPool of a step with a generated code", c, gen)
	// And a taken code of the step is what CouponIssue returns.
	c, created, err := s.CouponIssue(ctx, offerCoupon(ann.ID, "ANN-301", 301, fixture.At(5*time.Hour)))
	fixture.Ok(t, err)
	if created {
		t.Fatal("CouponIssue of a step given from a pool: created = true")
	}
	fixture.Same(t, "CouponIssue of a step given from a pool", c, want)

	_, err = s.CouponTakeFromPool(ctx, "take-other", &aftersale.Coupon{Purpose: aftersale.CouponOffer})
	fixture.WantCode(t, "CouponTakeFromPool without a customer", err, aftersale.EINVALID)

	// In a transaction too; a rolled back take leaves the code in the pool.
	boom := errors.New("boom")
	err = s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		c, err := tx.CouponTakeFromPool(ctx, "take-other", &aftersale.Coupon{CustomerID: bob.ID, Purpose: aftersale.CouponOffer})
		if err != nil {
			return err
		}
		if c.Code != "OTHER-1" {
			t.Errorf("CouponTakeFromPool in a transaction: %s", c.Code)
		}
		n, err := tx.CouponPoolAvailable(ctx, "take-other")
		if err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("CouponPoolAvailable in the transaction = %d, want 0", n)
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update rolled back: %v", err)
	}
	n, err := s.CouponPoolAvailable(ctx, "take-other")
	fixture.Ok(t, err)
	if n != 1 {
		t.Fatalf("CouponPoolAvailable after a rolled back take = %d, want 1", n)
	}
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		_, err := tx.CouponTakeFromPool(ctx, "take", &aftersale.Coupon{CustomerID: bob.ID, Purpose: aftersale.CouponOffer})
		if aftersale.ErrorCode(err) != aftersale.ENOTFOUND {
			t.Errorf("CouponTakeFromPool of an empty pool in a transaction: %v, want ENOTFOUND", err)
		}
		_, err = tx.CouponTakeFromPool(ctx, "take-other", &aftersale.Coupon{CustomerID: bob.ID, Purpose: aftersale.CouponOffer})
		return err
	}))
	got, err = s.CouponGetByCode(ctx, "OTHER-1")
	fixture.Ok(t, err)
	if got.CustomerID != bob.ID {
		t.Fatalf("code taken in a committed transaction: %+v", got)
	}
}

func testCouponTakeFromPoolConcurrent(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	var pool []string
	for i := range 10 {
		pool = append(pool, fmt.Sprintf("RUSH-%02d", i))
	}
	added, err := s.CouponImport(ctx, "rush", pool, 10, time.Time{}, fixture.T0)
	fixture.Ok(t, err)
	if added != 10 {
		t.Fatalf("CouponImport added %d, want 10", added)
	}
	const takers = 20
	var customers []*aftersale.Customer
	for i := range takers {
		customers = append(customers, fixture.NewCustomer(t, s, fmt.Sprintf("rush%d@example.com", i)))
	}

	// 20 customers take from 10 codes at once: 10 get a code each, all
	// different, and 10 find the pool empty.
	var wg sync.WaitGroup
	got := make([]*aftersale.Coupon, takers)
	errs := make([]error, takers)
	for i, c := range customers {
		wg.Go(func() {
			got[i], errs[i] = s.CouponTakeFromPool(ctx, "rush", &aftersale.Coupon{CustomerID: c.ID,
				Purpose: aftersale.CouponOffer, StepID: 401, CreatedAt: fixture.At(time.Hour)})
		})
	}
	wg.Wait()
	codes := map[string]int64{}
	empty := 0
	for i, err := range errs {
		if aftersale.ErrorCode(err) == aftersale.ENOTFOUND {
			empty++
			continue
		}
		fixture.Ok(t, err)
		if got[i].CustomerID != customers[i].ID || got[i].Pool != "rush" {
			t.Fatalf("taker %d got %+v", i, got[i])
		}
		if other, dup := codes[got[i].Code]; dup {
			t.Fatalf("code %s given to customers %d and %d", got[i].Code, other, customers[i].ID)
		}
		codes[got[i].Code] = customers[i].ID
	}
	if len(codes) != 10 || empty != 10 {
		t.Fatalf("%d codes taken and %d takers found the pool empty, want 10 and 10", len(codes), empty)
	}
	n, err := s.CouponPoolAvailable(ctx, "rush")
	fixture.Ok(t, err)
	if n != 0 {
		t.Fatalf("CouponPoolAvailable after the rush = %d, want 0", n)
	}
	for code, customer := range codes {
		c, err := s.CouponGetByCode(ctx, code)
		fixture.Ok(t, err)
		if c.CustomerID != customer {
			t.Fatalf("code %s stored for customer %d, given to %d", code, c.CustomerID, customer)
		}
	}

	// One customer takes for the same step 20 times at once: one code.
	_, err = s.CouponImport(ctx, "rush-same", []string{"SAME-1", "SAME-2", "SAME-3"}, 10, time.Time{}, fixture.T0)
	fixture.Ok(t, err)
	ann := customers[0]
	for i := range takers {
		wg.Go(func() {
			got[i], errs[i] = s.CouponTakeFromPool(ctx, "rush-same", &aftersale.Coupon{CustomerID: ann.ID,
				Purpose: aftersale.CouponOffer, StepID: 402, CreatedAt: fixture.At(time.Hour)})
		})
	}
	wg.Wait()
	for i := range takers {
		fixture.Ok(t, errs[i])
		fixture.Same(t, fmt.Sprintf("concurrent take %d of one step", i), got[i], got[0])
	}
	n, err = s.CouponPoolAvailable(ctx, "rush-same")
	fixture.Ok(t, err)
	if n != 2 {
		t.Fatalf("CouponPoolAvailable after concurrent takes of one step = %d, want 2", n)
	}
}

func testCouponRedeem(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann.redeem@example.com")
	bob := fixture.NewCustomer(t, s, "bob.redeem@example.com")
	o1 := fixture.NewOrder(t, s, ann.ID, "redeem-1", fixture.At(2*time.Hour))
	o2 := fixture.NewOrder(t, s, bob.ID, "redeem-2", fixture.At(3*time.Hour))
	o3 := fixture.NewOrder(t, s, bob.ID, "redeem-3", fixture.At(4*time.Hour))
	c := issueCoupon(t, s, offerCoupon(ann.ID, "REDEEM-ANN", 501, fixture.At(time.Hour)))
	other := issueCoupon(t, s, offerCoupon(bob.ID, "REDEEM-BOB", 501, fixture.At(time.Hour)))

	steps := []struct {
		name      string
		code      string
		order     int64
		at        time.Time
		wantFirst bool
		wantCount int
	}{
		{"first redemption", "redeem-ann", o1.ID, fixture.At(2 * time.Hour), true, 1},
		{"the same order again", "REDEEM-ANN", o1.ID, fixture.At(3 * time.Hour), false, 1},
		{"another order: a repeat", "Redeem-Ann", o2.ID, fixture.At(3 * time.Hour), false, 2},
		{"the repeat order again", "REDEEM-ANN", o2.ID, fixture.At(4 * time.Hour), false, 2},
		{"the first order after the repeat", "REDEEM-ANN", o1.ID, fixture.At(4 * time.Hour), false, 2},
		{"a third order", "REDEEM-ANN", o3.ID, fixture.At(5 * time.Hour), false, 3},
	}
	want := *c
	want.RedeemedAt, want.RedeemedOrderID = fixture.At(2*time.Hour), o1.ID
	for _, st := range steps {
		got, first, err := s.CouponRedeem(ctx, st.code, st.order, st.at)
		fixture.Ok(t, err)
		if first != st.wantFirst {
			t.Fatalf("%s: first = %v, want %v", st.name, first, st.wantFirst)
		}
		want.Redemptions = st.wantCount
		fixture.Same(t, st.name, got, &want)
		got, err = s.CouponGetByCode(ctx, c.Code)
		fixture.Ok(t, err)
		fixture.Same(t, st.name+": CouponGetByCode", got, &want)
	}
	got, err := s.CouponGetByCode(ctx, other.Code)
	fixture.Ok(t, err)
	fixture.Same(t, "the other coupon", got, other)

	_, _, err = s.CouponRedeem(ctx, "REDEEM-NOBODY", o1.ID, fixture.At(6*time.Hour))
	fixture.WantCode(t, "CouponRedeem of an unknown code", err, aftersale.ENOTFOUND)
	_, _, err = s.CouponRedeem(ctx, other.Code, 0, fixture.At(6*time.Hour))
	fixture.WantCode(t, "CouponRedeem without an order", err, aftersale.EINVALID)

	// In a transaction too, seeing its own writes.
	wantOther := *other
	wantOther.RedeemedAt, wantOther.RedeemedOrderID, wantOther.Redemptions = fixture.At(6*time.Hour), o2.ID, 1
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		_, _, err := tx.CouponRedeem(ctx, "REDEEM-NOBODY", o2.ID, fixture.At(6*time.Hour))
		if aftersale.ErrorCode(err) != aftersale.ENOTFOUND {
			t.Errorf("CouponRedeem of an unknown code in a transaction: %v, want ENOTFOUND", err)
		}
		got, first, err := tx.CouponRedeem(ctx, "redeem-bob", o2.ID, fixture.At(6*time.Hour))
		if err != nil {
			return err
		}
		if !first || got.Redemptions != 1 {
			t.Errorf("CouponRedeem in a transaction: first %v, redemptions %d", first, got.Redemptions)
		}
		got, first, err = tx.CouponRedeem(ctx, "redeem-bob", o2.ID, fixture.At(7*time.Hour))
		if err != nil {
			return err
		}
		if first || got.Redemptions != 1 {
			t.Errorf("CouponRedeem of the same order in a transaction: first %v, redemptions %d", first, got.Redemptions)
		}
		return nil
	}))
	got, err = s.CouponGetByCode(ctx, other.Code)
	fixture.Ok(t, err)
	fixture.Same(t, "coupon redeemed in a transaction", got, &wantOther)

	// The same order concurrently: counted once.
	third := issueCoupon(t, s, offerCoupon(bob.ID, "REDEEM-RACE", 0, fixture.At(time.Hour)))
	var wg sync.WaitGroup
	firsts := make([]bool, 10)
	errs := make([]error, 10)
	for i := range firsts {
		wg.Go(func() { _, firsts[i], errs[i] = s.CouponRedeem(ctx, third.Code, o3.ID, fixture.At(8*time.Hour)) })
	}
	wg.Wait()
	nFirst := 0
	for i := range firsts {
		fixture.Ok(t, errs[i])
		if firsts[i] {
			nFirst++
		}
	}
	got, err = s.CouponGetByCode(ctx, third.Code)
	fixture.Ok(t, err)
	if nFirst != 1 || got.Redemptions != 1 || got.RedeemedOrderID != o3.ID {
		t.Fatalf("concurrent CouponRedeem of one order: %d firsts, coupon %+v", nFirst, got)
	}
}

func testCouponList(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann.list@example.com")
	bob := fixture.NewCustomer(t, s, "bob.list@example.com")
	late := func(h int) time.Time { return insidersLate.Add(time.Duration(h) * time.Hour) }
	// Stored out of time order; the list is by creation time, then ID.
	c := issueCoupon(t, s, offerCoupon(ann.ID, "LIST-C", 601, late(2)))
	a := issueCoupon(t, s, offerCoupon(ann.ID, "LIST-A", 0, late(0)))
	b := issueCoupon(t, s, &aftersale.Coupon{Code: "LIST-B", CustomerID: bob.ID, Purpose: aftersale.CouponReferralReward,
		PercentOff: 20, CreatedAt: late(1)})
	d := issueCoupon(t, s, offerCoupon(bob.ID, "LIST-D", 601, late(2)))
	_, err := s.CouponImport(ctx, "list", []string{"LIST-POOL-1", "LIST-POOL-2"}, 10, time.Time{}, late(3))
	fixture.Ok(t, err)
	e, err := s.CouponTakeFromPool(ctx, "list", &aftersale.Coupon{CustomerID: bob.ID, Purpose: aftersale.CouponReferralReward,
		CreatedAt: late(4)})
	fixture.Ok(t, err)
	unused, err := s.CouponGetByCode(ctx, "LIST-POOL-2")
	fixture.Ok(t, err)

	all, err := s.CouponList(ctx, aftersale.CouponFilter{})
	fixture.Ok(t, err)
	if len(all) < 6 {
		t.Fatalf("CouponList without a filter: %d coupons", len(all))
	}
	fixture.Same(t, "CouponList without a filter (its end)", all[len(all)-6:], []*aftersale.Coupon{a, b, c, d, unused, e})

	tests := []struct {
		name string
		f    aftersale.CouponFilter
		want []*aftersale.Coupon
	}{
		{"from the window", aftersale.CouponFilter{From: late(0)}, []*aftersale.Coupon{a, b, c, d, unused, e}},
		{"customer", aftersale.CouponFilter{CustomerID: ann.ID}, []*aftersale.Coupon{a, c}},
		{"other customer", aftersale.CouponFilter{CustomerID: bob.ID}, []*aftersale.Coupon{b, d, e}},
		{"purpose", aftersale.CouponFilter{Purpose: aftersale.CouponReferralReward, From: late(0)}, []*aftersale.Coupon{b, e}},
		{"purpose and customer", aftersale.CouponFilter{CustomerID: bob.ID, Purpose: aftersale.CouponOffer}, []*aftersale.Coupon{d}},
		{"from, to (exclusive)", aftersale.CouponFilter{From: late(1), To: late(3)}, []*aftersale.Coupon{b, c, d}},
		{"to only", aftersale.CouponFilter{CustomerID: ann.ID, To: late(2)}, []*aftersale.Coupon{a}},
		{"every field", aftersale.CouponFilter{CustomerID: bob.ID, Purpose: aftersale.CouponReferralReward,
			From: late(1), To: late(5)}, []*aftersale.Coupon{b, e}},
		{"nothing matches", aftersale.CouponFilter{CustomerID: ann.ID, Purpose: aftersale.CouponReferralReward}, nil},
		{"after the last", aftersale.CouponFilter{From: late(4).Add(time.Microsecond)}, nil},
	}
	for _, tt := range tests {
		got, err := s.CouponList(ctx, tt.f)
		fixture.Ok(t, err)
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		fixture.Same(t, "CouponList "+tt.name, got, tt.want)
	}

	// In a transaction too, seeing its own writes.
	var inTx []*aftersale.Coupon
	var f *aftersale.Coupon
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		var err error
		f, _, err = tx.CouponIssue(ctx, offerCoupon(ann.ID, "LIST-F", 0, late(5)))
		if err != nil {
			return err
		}
		inTx, err = tx.CouponList(ctx, aftersale.CouponFilter{CustomerID: ann.ID})
		return err
	}))
	fixture.Same(t, "CouponList in a transaction", inTx, []*aftersale.Coupon{a, c, f})
}
