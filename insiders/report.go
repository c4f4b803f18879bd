package insiders

// The insiders' figures: the report (dashboard and API), and a customer's
// codes, referral link and their history in the customer's view.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
)

// Report is how the insider offers and referrals did.
type Report struct {
	// Offer codes issued in the period, how many of them were redeemed,
	// and the extra uses of codes (an order naming a code used before).
	Issued, Redeemed, Repeats int
	RedeemRate                float64 // Redeemed / Issued, 0..1 (NaN without codes)
	// Referral: clicks on the links (all time: links count clicks, not
	// when), purchases credited in the period, and reward codes given.
	Clicks, Referred, Rewards int
	// TopReferrers are the customers with the most credited purchases in
	// the period, most first (at most 10).
	TopReferrers []ReferrerRow
}

// ReferrerRow is one referrer of the report.
type ReferrerRow struct {
	Email    string
	Name     string
	Code     string
	Clicks   int
	Referred int
}

// Report computes the insiders report for the period from..to (as
// report.Filter has it; there is no product filter: codes are
// given per customer).
func (s *Service) Report(ctx context.Context, from, to time.Time) (*Report, error) {
	st := s.cfg.Store
	r := &Report{TopReferrers: []ReferrerRow{}}
	coupons, err := st.CouponList(ctx, aftersale.CouponFilter{From: from, To: to})
	if err != nil {
		return nil, err
	}
	for _, c := range coupons {
		if c.Redemptions > 1 {
			r.Repeats += c.Redemptions - 1
		}
		switch c.Purpose {
		case aftersale.CouponOffer:
			r.Issued++
			if c.Redemptions > 0 {
				r.Redeemed++
			}
		case aftersale.CouponReferralReward:
			r.Rewards++
		}
	}
	r.RedeemRate = float64(r.Redeemed) / float64(r.Issued)
	refs, err := st.ReferralList(ctx, aftersale.ReferralFilter{From: from, To: to})
	if err != nil {
		return nil, err
	}
	r.Referred = len(refs)
	byReferrer := map[int64]int{}
	for _, ref := range refs {
		byReferrer[ref.ReferrerID]++
	}
	// Referral links are made for the offers that carry them: their
	// holders are the customers given an offer code, and the referrers.
	holders := map[int64]bool{}
	all, err := st.CouponList(ctx, aftersale.CouponFilter{Purpose: aftersale.CouponOffer})
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		holders[c.CustomerID] = true
	}
	for id := range byReferrer {
		holders[id] = true
	}
	clicks := map[int64]*aftersale.ReferralCode{}
	for id := range holders {
		rc, err := st.ReferralCodeOf(ctx, id)
		if aftersale.IsNotFound(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		clicks[id] = rc
		r.Clicks += rc.Clicks
	}
	ids := make([]int64, 0, len(byReferrer))
	for id := range byReferrer {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b int64) int {
		if byReferrer[a] != byReferrer[b] {
			return byReferrer[b] - byReferrer[a]
		}
		return int(a - b)
	})
	for _, id := range ids[:min(len(ids), 10)] {
		row := ReferrerRow{Referred: byReferrer[id]}
		if c, err := st.CustomerGet(ctx, id); err == nil {
			row.Email, row.Name = c.Email, c.Name
		} else if !aftersale.IsNotFound(err) {
			return nil, err
		}
		if rc := clicks[id]; rc != nil {
			row.Code, row.Clicks = rc.Code, rc.Clicks
		}
		r.TopReferrers = append(r.TopReferrers, row)
	}
	return r, nil
}

// AddToView adds the customer's codes and referral link to their view
// (the engine's ViewPart), and their history to its timeline: codes
// issued, redeemed and used again, and purchases credited to their link.
// orders are the customer's, as the view shows them.
func (s *Service) AddToView(ctx context.Context, c *aftersale.Customer, orders []*aftersale.Order, v *engine.CustomerView) error {
	st := s.cfg.Store
	loc := s.location(c, c)
	orderRef := aftersale.OrderRefs(ctx, s.cfg.Store, orders)
	ref := func(id int64) string {
		if r := orderRef(id); r != "" {
			return r
		}
		return fmt.Sprint(id)
	}
	coupons, err := st.CouponList(ctx, aftersale.CouponFilter{CustomerID: c.ID})
	if err != nil {
		return err
	}
	for _, cp := range coupons {
		cv := engine.CouponView{Code: cp.Code, Purpose: cp.Purpose, Pool: cp.Pool, PercentOff: cp.PercentOff,
			ExpiresAt: timePtr(cp.ExpiresAt), CreatedAt: cp.CreatedAt, RedeemedAt: timePtr(cp.RedeemedAt), Redemptions: cp.Redemptions}
		if cp.RedeemedOrderID != 0 {
			cv.RedeemedBy = ref(cp.RedeemedOrderID)
		}
		v.Coupons = append(v.Coupons, cv)
		var terms []string
		if cp.PercentOff > 0 {
			terms = append(terms, fmt.Sprintf("%d%% off", cp.PercentOff))
		}
		if !cp.ExpiresAt.IsZero() {
			terms = append(terms, "until "+cp.ExpiresAt.In(loc).Format("2 Jan 2006"))
		}
		what := "code "
		if cp.Purpose == aftersale.CouponReferralReward {
			what = "referral reward code "
		}
		sum := what + cp.Code + " issued"
		if len(terms) > 0 {
			sum += " (" + strings.Join(terms, ", ") + ")"
		}
		if cp.Pool != "" {
			sum += " from pool " + cp.Pool
		}
		status := "issued"
		if cp.Redemptions > 0 {
			status = "redeemed"
		}
		v.Timeline = append(v.Timeline, engine.TimelineItem{At: cp.CreatedAt, Kind: "coupon", Status: status, Summary: sum, Ref: cp.Code})
		// Redeemed by somebody else's order: it shows here, as that order
		// is not among this customer's.
		if cp.RedeemedOrderID != 0 && !slices.ContainsFunc(orders, func(o *aftersale.Order) bool { return o.ID == cp.RedeemedOrderID }) {
			v.Timeline = append(v.Timeline, engine.TimelineItem{At: cp.RedeemedAt, Kind: "coupon", Status: "redeemed",
				Summary: fmt.Sprintf("code %s redeemed by order %s (another customer's)", cp.Code, ref(cp.RedeemedOrderID)), Ref: cp.Code})
		}
	}
	// The codes this customer's orders named.
	for _, o := range orders {
		if o.Coupon == "" || o.CustomerID != c.ID {
			continue
		}
		cp, err := st.CouponGetByCode(ctx, o.Coupon)
		if aftersale.IsNotFound(err) {
			continue
		} else if err != nil {
			return err
		}
		if cp.RedeemedOrderID == 0 {
			continue // not counted: a past order, imported as history
		}
		at, status, sum := o.PlacedAt, "redeemed", fmt.Sprintf("code %s redeemed by order %s", cp.Code, o.ExternalID)
		if cp.RedeemedOrderID == o.ID {
			if !cp.RedeemedAt.IsZero() {
				at = cp.RedeemedAt
			}
		} else {
			status, sum = "repeat", fmt.Sprintf("code %s used again by order %s (repeat; first redeemed by order %s)", cp.Code, o.ExternalID, ref(cp.RedeemedOrderID))
		}
		if !cp.ExpiresAt.IsZero() && o.PlacedAt.After(cp.ExpiresAt) {
			sum += ", after it expired"
		}
		v.Timeline = append(v.Timeline, engine.TimelineItem{At: at, Kind: "coupon", Status: status, Summary: sum, Ref: o.ExternalID})
	}
	rc, err := st.ReferralCodeOf(ctx, c.ID)
	if aftersale.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	refs, err := st.ReferralList(ctx, aftersale.ReferralFilter{ReferrerID: c.ID})
	if err != nil {
		return err
	}
	v.Referral = &engine.ReferralView{Code: rc.Code, URL: s.ReferralURL(rc.Code), Clicks: rc.Clicks, Referred: len(refs)}
	for _, r := range refs {
		who := "another customer"
		if b, err := st.CustomerGet(ctx, r.CustomerID); err == nil {
			who = b.Email
		}
		sum := fmt.Sprintf("referral: order %s by %s credited to code %s", ref(r.OrderID), who, r.Code)
		v.Timeline = append(v.Timeline, engine.TimelineItem{At: r.CreatedAt, Kind: "referral", Status: "credited", Summary: sum, Ref: r.Code})
	}
	return nil
}

// timePtr is t, or nil for the zero time (left out of the JSON).
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
