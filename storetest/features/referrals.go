package features

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

func testReferralCode(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann.code@example.com")
	bob := fixture.NewCustomer(t, s, "bob.code@example.com")
	carl := fixture.NewCustomer(t, s, "carl.code@example.com")

	east := time.FixedZone("UTC+5", 5*60*60)
	rc, err := s.ReferralCodeEnsure(ctx, ann.ID, "ann-friends", fixture.At(time.Hour).In(east))
	fixture.Ok(t, err)
	want := &aftersale.ReferralCode{CustomerID: ann.ID, Code: "ANN-FRIENDS", CreatedAt: fixture.At(time.Hour)}
	fixture.Same(t, "ReferralCodeEnsure", rc, want)

	// A customer keeps the code they have.
	for _, code := range []string{"ANN-FRIENDS", "ann-other"} {
		rc, err = s.ReferralCodeEnsure(ctx, ann.ID, code, fixture.At(2*time.Hour))
		fixture.Ok(t, err)
		fixture.Same(t, "ReferralCodeEnsure again with "+code, rc, want)
	}
	_, err = s.ReferralCodeGet(ctx, "ANN-OTHER")
	fixture.WantCode(t, "ReferralCodeGet of a code not given", err, aftersale.ENOTFOUND)

	// Another customer's code, in any case, is a conflict.
	for _, code := range []string{"ANN-FRIENDS", "ann-friends", " Ann-Friends"} {
		_, err = s.ReferralCodeEnsure(ctx, bob.ID, code, fixture.At(2*time.Hour))
		fixture.WantCode(t, "ReferralCodeEnsure of ann's code for bob: "+code, err, aftersale.ECONFLICT)
	}
	_, err = s.ReferralCodeOf(ctx, bob.ID)
	fixture.WantCode(t, "ReferralCodeOf bob after a conflict", err, aftersale.ENOTFOUND)
	bobs, err := s.ReferralCodeEnsure(ctx, bob.ID, "BOB-1", fixture.At(3*time.Hour))
	fixture.Ok(t, err)
	wantBob := &aftersale.ReferralCode{CustomerID: bob.ID, Code: "BOB-1", CreatedAt: fixture.At(3 * time.Hour)}
	fixture.Same(t, "ReferralCodeEnsure for bob", bobs, wantBob)

	for _, code := range []string{"ANN-FRIENDS", "ann-friends", "Ann-Friends "} {
		got, err := s.ReferralCodeGet(ctx, code)
		fixture.Ok(t, err)
		fixture.Same(t, "ReferralCodeGet "+code, got, want)
	}
	_, err = s.ReferralCodeGet(ctx, "NOBODY")
	fixture.WantCode(t, "ReferralCodeGet of an unknown code", err, aftersale.ENOTFOUND)
	got, err := s.ReferralCodeOf(ctx, ann.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "ReferralCodeOf", got, want)
	_, err = s.ReferralCodeOf(ctx, carl.ID)
	fixture.WantCode(t, "ReferralCodeOf a customer without one", err, aftersale.ENOTFOUND)

	// Clicks count on the code, in any case.
	fixture.Ok(t, s.ReferralClick(ctx, "ann-friends"))
	fixture.Ok(t, s.ReferralClick(ctx, "ANN-FRIENDS"))
	want.Clicks = 2
	got, err = s.ReferralCodeGet(ctx, "ANN-FRIENDS")
	fixture.Ok(t, err)
	fixture.Same(t, "ReferralCodeGet after two clicks", got, want)
	got, err = s.ReferralCodeOf(ctx, bob.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "the other code after clicks", got, wantBob)
	fixture.WantCode(t, "ReferralClick of an unknown code", s.ReferralClick(ctx, "NOBODY"), aftersale.ENOTFOUND)
	rc, err = s.ReferralCodeEnsure(ctx, ann.ID, "ann-third", fixture.At(4*time.Hour))
	fixture.Ok(t, err)
	fixture.Same(t, "ReferralCodeEnsure after clicks", rc, want)

	_, err = s.ReferralCodeEnsure(ctx, carl.ID, " ", fixture.At(4*time.Hour))
	fixture.WantCode(t, "ReferralCodeEnsure without a code", err, aftersale.EINVALID)
	_, err = s.ReferralCodeEnsure(ctx, 0, "NOBODY", fixture.At(4*time.Hour))
	fixture.WantCode(t, "ReferralCodeEnsure without a customer", err, aftersale.EINVALID)

	// In a transaction, a conflict is no failure of the transaction.
	var inTx *aftersale.ReferralCode
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		_, err := tx.ReferralCodeEnsure(ctx, carl.ID, "BOB-1", fixture.At(5*time.Hour))
		if aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Errorf("ReferralCodeEnsure of bob's code in a transaction: %v, want ECONFLICT", err)
		}
		if _, err := tx.ReferralCodeEnsure(ctx, carl.ID, "carl-1", fixture.At(5*time.Hour)); err != nil {
			return err
		}
		if err := tx.ReferralClick(ctx, "CARL-1"); err != nil {
			return err
		}
		inTx, err = tx.ReferralCodeOf(ctx, carl.ID)
		return err
	}))
	fixture.Same(t, "ReferralCodeOf in a transaction", inTx,
		&aftersale.ReferralCode{CustomerID: carl.ID, Code: "CARL-1", Clicks: 1, CreatedAt: fixture.At(5 * time.Hour)})
	got, err = s.ReferralCodeGet(ctx, "carl-1")
	fixture.Ok(t, err)
	fixture.Same(t, "ReferralCodeGet after the transaction", got, inTx)
}

func testReferralCodeConcurrent(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann.coderace@example.com")
	const n = 10
	var wg sync.WaitGroup
	got := make([]*aftersale.ReferralCode, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = s.ReferralCodeEnsure(ctx, ann.ID, fmt.Sprintf("ANN-RACE-%d", i), fixture.At(time.Hour))
		})
	}
	wg.Wait()
	for i := range n {
		fixture.Ok(t, errs[i])
		fixture.Same(t, fmt.Sprintf("concurrent ReferralCodeEnsure %d", i), got[i], got[0])
	}
	stored, err := s.ReferralCodeOf(ctx, ann.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "ReferralCodeOf after concurrent ensures", stored, got[0])
}

func testReferralRecord(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann.referral@example.com")
	bob := fixture.NewCustomer(t, s, "bob.referral@example.com")
	carl := fixture.NewCustomer(t, s, "carl.referral@example.com")
	o1 := fixture.NewOrder(t, s, bob.ID, "referral-1", fixture.At(time.Hour))
	o2 := fixture.NewOrder(t, s, bob.ID, "referral-2", fixture.At(2*time.Hour))
	o3 := fixture.NewOrder(t, s, carl.ID, "referral-3", fixture.At(3*time.Hour))
	_, err := s.ReferralCodeEnsure(ctx, ann.ID, "ANN-REF", fixture.T0)
	fixture.Ok(t, err)

	east := time.FixedZone("UTC+5", 5*60*60)
	r, created, err := s.ReferralRecord(ctx, &aftersale.Referral{ReferrerID: ann.ID, CustomerID: bob.ID, OrderID: o1.ID,
		Code: "ann-ref", CreatedAt: fixture.At(time.Hour).In(east)})
	fixture.Ok(t, err)
	if !created || r.ID == 0 {
		t.Fatalf("first ReferralRecord: created %v, ID %d", created, r.ID)
	}
	want := &aftersale.Referral{ID: r.ID, ReferrerID: ann.ID, CustomerID: bob.ID, OrderID: o1.ID, Code: "ANN-REF",
		CreatedAt: fixture.At(time.Hour)}
	fixture.Same(t, "ReferralRecord", r, want)

	// An order credits once: again, even for another referrer, returns the
	// stored one.
	got, created, err := s.ReferralRecord(ctx, &aftersale.Referral{ReferrerID: carl.ID, CustomerID: bob.ID, OrderID: o1.ID,
		Code: "CARL-REF", CreatedAt: fixture.At(2 * time.Hour)})
	fixture.Ok(t, err)
	if created {
		t.Fatal("ReferralRecord of a credited order: created = true")
	}
	fixture.Same(t, "ReferralRecord of a credited order", got, want)

	// Other orders are credited, with a reward given at once or later.
	r2, created, err := s.ReferralRecord(ctx, &aftersale.Referral{ReferrerID: ann.ID, CustomerID: bob.ID, OrderID: o2.ID,
		Code: "ANN-REF", CreatedAt: fixture.At(2 * time.Hour)})
	fixture.Ok(t, err)
	if !created || r2.ID == r.ID {
		t.Fatalf("ReferralRecord of another order: created %v, ID %d (first %d)", created, r2.ID, r.ID)
	}
	reward := issueCoupon(t, s, &aftersale.Coupon{Code: "THANKS-ANN", CustomerID: ann.ID,
		Purpose: aftersale.CouponReferralReward, PercentOff: 20, CreatedAt: fixture.At(3 * time.Hour)})
	r3, created, err := s.ReferralRecord(ctx, &aftersale.Referral{ReferrerID: ann.ID, CustomerID: carl.ID, OrderID: o3.ID,
		Code: "ANN-REF", RewardCouponID: reward.ID, CreatedAt: fixture.At(3 * time.Hour)})
	fixture.Ok(t, err)
	if !created || r3.RewardCouponID != reward.ID {
		t.Fatalf("ReferralRecord with a reward: created %v, %+v", created, r3)
	}

	fixture.Ok(t, s.ReferralSetReward(ctx, r.ID, reward.ID))
	want.RewardCouponID = reward.ID
	list, err := s.ReferralList(ctx, aftersale.ReferralFilter{ReferrerID: ann.ID})
	fixture.Ok(t, err)
	wantR2 := *r2
	fixture.Same(t, "ReferralList after ReferralSetReward", list, []*aftersale.Referral{want, &wantR2, r3})
	fixture.Ok(t, s.ReferralSetReward(ctx, r3.ID, 0))
	wantR3 := *r3
	wantR3.RewardCouponID = 0
	list, err = s.ReferralList(ctx, aftersale.ReferralFilter{ReferrerID: ann.ID})
	fixture.Ok(t, err)
	fixture.Same(t, "ReferralList after clearing a reward", list, []*aftersale.Referral{want, &wantR2, &wantR3})
	fixture.WantCode(t, "ReferralSetReward of a missing referral", s.ReferralSetReward(ctx, r3.ID+1000, reward.ID), aftersale.ENOTFOUND)

	for name, in := range map[string]*aftersale.Referral{
		"without a referrer": {CustomerID: bob.ID, OrderID: o1.ID, Code: "X", CreatedAt: fixture.T0},
		"without a buyer":    {ReferrerID: ann.ID, OrderID: o1.ID, Code: "X", CreatedAt: fixture.T0},
		"without an order":   {ReferrerID: ann.ID, CustomerID: bob.ID, Code: "X", CreatedAt: fixture.T0},
	} {
		_, _, err := s.ReferralRecord(ctx, in)
		fixture.WantCode(t, "ReferralRecord "+name, err, aftersale.EINVALID)
	}

	// In a transaction too, seeing its own writes; concurrent records of
	// one order store one.
	o4 := fixture.NewOrder(t, s, carl.ID, "referral-4", fixture.At(4*time.Hour))
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		r, created, err := tx.ReferralRecord(ctx, &aftersale.Referral{ReferrerID: ann.ID, CustomerID: carl.ID,
			OrderID: o4.ID, Code: "ANN-REF", CreatedAt: fixture.At(4 * time.Hour)})
		if err != nil {
			return err
		}
		if !created {
			t.Error("ReferralRecord in a transaction: created = false")
		}
		if err := tx.ReferralSetReward(ctx, r.ID, reward.ID); err != nil {
			return err
		}
		list, err := tx.ReferralList(ctx, aftersale.ReferralFilter{ReferrerID: ann.ID, From: fixture.At(4 * time.Hour)})
		if err != nil {
			return err
		}
		if len(list) != 1 || list[0].ID != r.ID || list[0].RewardCouponID != reward.ID {
			t.Errorf("ReferralList in a transaction: %s", fixture.Show(list))
		}
		return nil
	}))
	o5 := fixture.NewOrder(t, s, carl.ID, "referral-5", fixture.At(5*time.Hour))
	var wg sync.WaitGroup
	refs := make([]*aftersale.Referral, 10)
	createds := make([]bool, 10)
	errs := make([]error, 10)
	for i := range refs {
		wg.Go(func() {
			refs[i], createds[i], errs[i] = s.ReferralRecord(ctx, &aftersale.Referral{ReferrerID: ann.ID,
				CustomerID: carl.ID, OrderID: o5.ID, Code: "ANN-REF", CreatedAt: fixture.At(5 * time.Hour)})
		})
	}
	wg.Wait()
	nCreated := 0
	for i := range refs {
		fixture.Ok(t, errs[i])
		fixture.Same(t, fmt.Sprintf("concurrent ReferralRecord %d", i), refs[i], refs[0])
		if createds[i] {
			nCreated++
		}
	}
	if nCreated != 1 {
		t.Fatalf("%d concurrent ReferralRecord of one order created it, want 1", nCreated)
	}
}

func testReferralList(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann.reflist@example.com")
	bob := fixture.NewCustomer(t, s, "bob.reflist@example.com")
	carl := fixture.NewCustomer(t, s, "carl.reflist@example.com")
	late := func(h int) time.Time { return insidersLate.Add(time.Duration(h) * time.Hour) }
	record := func(referrer, buyer *aftersale.Customer, order string, created time.Time) *aftersale.Referral {
		t.Helper()
		o := fixture.NewOrder(t, s, buyer.ID, order, created)
		r, isNew, err := s.ReferralRecord(ctx, &aftersale.Referral{ReferrerID: referrer.ID, CustomerID: buyer.ID,
			OrderID: o.ID, Code: "REF-" + order, CreatedAt: created})
		fixture.Ok(t, err)
		if !isNew {
			t.Fatalf("referral of order %s existed", order)
		}
		return r
	}
	// Stored out of time order; the list is by creation time, then ID.
	c := record(ann, carl, "reflist-c", late(2))
	a := record(ann, bob, "reflist-a", late(0))
	b := record(bob, carl, "reflist-b", late(1))
	d := record(ann, bob, "reflist-d", late(2))

	all, err := s.ReferralList(ctx, aftersale.ReferralFilter{})
	fixture.Ok(t, err)
	if len(all) < 4 {
		t.Fatalf("ReferralList without a filter: %d referrals", len(all))
	}
	fixture.Same(t, "ReferralList without a filter (its end)", all[len(all)-4:], []*aftersale.Referral{a, b, c, d})
	tests := []struct {
		name string
		f    aftersale.ReferralFilter
		want []*aftersale.Referral
	}{
		{"from the window", aftersale.ReferralFilter{From: late(0)}, []*aftersale.Referral{a, b, c, d}},
		{"referrer", aftersale.ReferralFilter{ReferrerID: ann.ID}, []*aftersale.Referral{a, c, d}},
		{"other referrer", aftersale.ReferralFilter{ReferrerID: bob.ID}, []*aftersale.Referral{b}},
		{"a referrer without referrals", aftersale.ReferralFilter{ReferrerID: carl.ID}, nil},
		{"from, to (exclusive)", aftersale.ReferralFilter{From: late(1), To: late(2)}, []*aftersale.Referral{b}},
		{"referrer and bounds", aftersale.ReferralFilter{ReferrerID: ann.ID, From: late(1), To: late(3)}, []*aftersale.Referral{c, d}},
		{"to only", aftersale.ReferralFilter{ReferrerID: ann.ID, To: late(2)}, []*aftersale.Referral{a}},
		{"after the last", aftersale.ReferralFilter{From: late(2).Add(time.Microsecond)}, nil},
	}
	for _, tt := range tests {
		got, err := s.ReferralList(ctx, tt.f)
		fixture.Ok(t, err)
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		fixture.Same(t, "ReferralList "+tt.name, got, tt.want)
	}
}
