package engine

// Insider offers: offer steps give each recipient a unique, single-use
// coupon code (generated, or taken from a pool of codes imported from the
// shop) and, optionally, their own referral link; orders that name a code
// redeem it. See referrals.go for the referral side.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/journey"
)

// DefaultOfferTemplate is the email of an offer step that names no template.
const DefaultOfferTemplate = "insider_offer"

// DefaultOfferValidDays is how long a generated offer code works when the
// step does not say.
const DefaultOfferValidDays = 30

// DefaultReferralRewardDays is how long a referrer's reward code works when
// the configuration does not say.
const DefaultReferralRewardDays = 60

// codeAlphabet is what random code characters are drawn from: capital
// letters and digits without those easily mistaken for one another (0 O,
// 1 I L). 31 characters: a group of four carries almost 20 bits.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// codeTries is how often a code is generated again after a collision.
const codeTries = 8

// randomCode returns n characters of codeAlphabet from crypto/rand,
// uniformly (bytes at or above 248 = 8×31 are drawn again).
func randomCode(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2+4)
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails (it crashes the program instead)
		for _, b := range buf {
			if b < 248 && len(out) < n {
				out = append(out, codeAlphabet[b%31])
			}
		}
	}
	return string(out)
}

// NewCouponCode returns a fresh unguessable code such as
// "THANKS-7KQ2-M9XD": the prefix, then two groups of four random
// characters (about 40 bits).
func NewCouponCode(prefix string) string {
	if prefix == "" {
		prefix = "THANKS"
	}
	return prefix + "-" + randomCode(4) + "-" + randomCode(4)
}

// offerParams are the parameters of an offer step (journey `offer:`).
type offerParams struct {
	// PercentOff is the discount of a generated code; a pool code keeps
	// its own when it has one.
	PercentOff int
	// ValidDays is how long a generated code works (default 30).
	ValidDays int
	// Pool takes the code from that imported pool; FallbackGenerate
	// generates one when the pool is empty (else the step is skipped).
	Pool             string
	FallbackGenerate bool
	// Prefix starts generated codes (default THANKS).
	Prefix string
	// Referral adds the recipient's referral link.
	Referral bool
	// NextLevel proposes the next product (see nextLevelOffer).
	NextLevel bool
}

// offerParamKeys are the parameters an offer step may have.
var offerParamKeys = []string{"percent_off", "valid_days", "pool", "fallback", "prefix", "referral", "next_level"}

// hasCode says whether the offer gives a code.
func (p offerParams) hasCode() bool { return p.PercentOff > 0 || p.Pool != "" }

// parseOfferParams reads and checks an offer step's parameters.
func parseOfferParams(m map[string]any) (offerParams, error) {
	p := offerParams{ValidDays: DefaultOfferValidDays}
	bad := func(k, want string) error {
		return aftersale.Errorf(aftersale.EINVALID, "offer: %s must be %s, not %v", k, want, m[k])
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := m[k]
		switch k {
		case "percent_off", "valid_days":
			n, ok := v.(int)
			if !ok {
				return p, bad(k, "a whole number")
			}
			if k == "percent_off" {
				if n < 1 || n > 100 {
					return p, bad(k, "between 1 and 100")
				}
				p.PercentOff = n
			} else {
				if n < 1 || n > 3650 {
					return p, bad(k, "between 1 and 3650")
				}
				p.ValidDays = n
			}
		case "pool", "prefix", "fallback":
			s, ok := v.(string)
			if !ok || strings.TrimSpace(s) == "" {
				return p, bad(k, "a word")
			}
			s = strings.TrimSpace(s)
			switch k {
			case "pool":
				p.Pool = s
			case "fallback":
				if s != "generate" {
					return p, bad(k, `"generate" (or left out)`)
				}
				p.FallbackGenerate = true
			case "prefix":
				s = strings.ToUpper(s)
				if len(s) > 12 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
					return p, bad(k, "up to 12 letters and digits")
				}
				p.Prefix = s
			}
		case "referral", "next_level":
			b, ok := v.(bool)
			if !ok {
				return p, bad(k, "true or false")
			}
			if k == "referral" {
				p.Referral = b
			} else {
				p.NextLevel = b
			}
		default:
			return p, aftersale.Errorf(aftersale.EINVALID, "offer: unknown parameter %q (use %s)", k, strings.Join(offerParamKeys, ", "))
		}
	}
	if p.FallbackGenerate && p.Pool == "" {
		return p, aftersale.Errorf(aftersale.EINVALID, "offer: fallback needs a pool")
	}
	if p.Pool != "" && p.FallbackGenerate && p.PercentOff == 0 {
		return p, aftersale.Errorf(aftersale.EINVALID, "offer: fallback: generate needs percent_off for the generated codes")
	}
	if !p.hasCode() && !p.Referral && !p.NextLevel {
		return p, aftersale.Errorf(aftersale.EINVALID, "offer: give percent_off, pool, referral or next_level: the offer has nothing to offer")
	}
	return p, nil
}

// errPoolEmpty says that a pool has no unused code left.
var errPoolEmpty = errors.New("the pool is empty")

// executeOffer sends the email of an offer step: to each recipient who may
// get marketing email, their own code (issued once per step and customer,
// so a retry or resend shows the same one) and referral link. skip is true
// when the step is to be skipped, with note saying why (the pool is empty,
// no next-level product suits the order).
func (s *Service) executeOffer(ctx context.Context, step *aftersale.Step, js *journey.Step, f *journey.Facts, final bool) (
	msgs []*aftersale.Message, note string, skip bool, err error) {
	p, err := parseOfferParams(js.Params)
	if err != nil {
		return nil, "", false, err
	}
	oj := *js
	if oj.Template == "" {
		oj.Template = DefaultOfferTemplate
	}
	if oj.Category == "" {
		oj.Category = aftersale.CategoryMarketing
	}
	var next *email.NextLevelData
	if p.NextLevel {
		if next = s.nextLevelOffer(f); next == nil {
			return nil, "no next-level offer suits this order", true, nil
		}
	}
	to := oj.To
	if len(to) == 0 {
		to = []string{journey.RecipientBuyer, journey.RecipientUser}
	}
	offers := map[int64]*email.OfferData{}
	var keep, empty []string
	for _, role := range to {
		var c *aftersale.Customer
		switch {
		case role == journey.RecipientBuyer:
			c = f.Buyer
		case role == journey.RecipientUser && f.User != nil:
			c = f.User
		default:
			continue
		}
		if suppressed(oj.Category, c) != "" {
			keep = append(keep, role) // sendOne records why it is not sent; no code is spent on it
			continue
		}
		od, err := s.offerFor(ctx, step, p, c, f)
		if errors.Is(err, errPoolEmpty) {
			empty = append(empty, role)
			continue
		}
		if err != nil {
			return nil, "", false, fmt.Errorf("%w: offer for the %s: %v", errRetry, role, err)
		}
		offers[c.ID] = od
		keep = append(keep, role)
	}
	if len(empty) > 0 && len(offers) == 0 {
		return nil, fmt.Sprintf("pool %s is empty", p.Pool), true, nil
	}
	oj.To = keep
	if len(keep) == 0 {
		return nil, "nobody to send to", false, nil
	}
	msgs, note, err = s.sendStepEmail(ctx, step, &oj, f, final, func(r recipient, d *email.Data) {
		if od := offers[r.c.ID]; od != nil {
			c := *od
			d.Offer = &c
		}
		if next != nil {
			n := *next
			d.NextLevel = &n
		}
	})
	for _, role := range empty {
		note += fmt.Sprintf(", %s: not sent (pool %s is empty)", role, p.Pool)
	}
	return msgs, note, false, err
}

// offerFor gives customer c the offer of the step: the code (issued or
// found again) and the referral link. errPoolEmpty when the code must
// come from a pool that has none left.
func (s *Service) offerFor(ctx context.Context, step *aftersale.Step, p offerParams, c *aftersale.Customer, f *journey.Facts) (*email.OfferData, error) {
	st := s.cfg.Store
	now := s.cfg.Clock.RealNow()
	loc := s.location(c, f.Buyer)
	od := &email.OfferData{ShopURL: s.cfg.ShopURL}
	if p.hasCode() {
		want := &aftersale.Coupon{CustomerID: c.ID, Purpose: aftersale.CouponOffer, StepID: step.ID, PercentOff: p.PercentOff, CreatedAt: now}
		var coupon *aftersale.Coupon
		var err error
		if p.Pool != "" {
			coupon, err = st.CouponTakeFromPool(ctx, p.Pool, want)
			if aftersale.IsNotFound(err) {
				if !p.FallbackGenerate {
					s.log.WarnContext(ctx, "offer pool is empty", "step_id", step.ID, "pool", p.Pool)
					return nil, errPoolEmpty
				}
				s.log.WarnContext(ctx, "offer pool is empty: generating a code", "step_id", step.ID, "pool", p.Pool)
				coupon, err = nil, nil
			}
			if err != nil {
				return nil, err
			}
		}
		if coupon == nil {
			want.ExpiresAt = lastMoment(now.AddDate(0, 0, p.ValidDays), loc)
			var created bool
			if coupon, created, err = issueCoupon(ctx, st, want, p.Prefix); err != nil {
				return nil, err
			}
			if created {
				s.log.InfoContext(ctx, "offer code issued", "step_id", step.ID, "customer_id", c.ID, "coupon_id", coupon.ID)
			}
		}
		od.Code, od.PercentOff = coupon.Code, coupon.PercentOff
		if od.PercentOff == 0 {
			od.PercentOff = p.PercentOff
		}
		if !coupon.ExpiresAt.IsZero() {
			od.Expires = coupon.ExpiresAt.In(loc).Format("2 Jan 2006")
		}
	}
	if p.Referral {
		rc, err := s.ensureReferralCode(ctx, st, c, now)
		if err != nil {
			return nil, err
		}
		od.ReferralURL = s.ReferralURL(rc.Code)
	}
	return od, nil
}

// issueCoupon stores a new generated code for want.CustomerID (a fresh
// code after a collision); for a code of a step, the code the customer
// already has for it is returned instead (created false).
func issueCoupon(ctx context.Context, q aftersale.Queries, want *aftersale.Coupon, prefix string) (*aftersale.Coupon, bool, error) {
	for range codeTries {
		c := *want
		c.Code = NewCouponCode(prefix)
		got, created, err := q.CouponIssue(ctx, &c)
		if aftersale.ErrorCode(err) == aftersale.ECONFLICT {
			continue
		}
		return got, created, err
	}
	return nil, false, aftersale.Errorf(aftersale.EINTERNAL, "no free coupon code after %d tries", codeTries)
}

// location is the time zone to show c dates in: theirs, the buyer's, or
// the default.
func (s *Service) location(c, buyer *aftersale.Customer) *time.Location {
	def := ""
	if s.cfg.Schedule != nil {
		def = s.cfg.Schedule.DefaultTimezone
	}
	for _, tz := range []string{c.Timezone, buyer.Timezone, def} {
		if tz == "" {
			continue
		}
		if l, err := aftersale.LoadLocation(tz); err == nil {
			return l
		}
	}
	return time.UTC
}

// lastMoment is the last second of t's day in loc: a code valid until a
// day works all of that day where the customer lives.
func lastMoment(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 23, 59, 59, 0, loc).UTC()
}

// ImportCoupons adds codes created in the shop to a pool, for offer steps
// with `pool: NAME`; codes that exist are skipped. It returns how many it
// added. Codes are trimmed; blank ones are left out.
func (s *Service) ImportCoupons(ctx context.Context, pool string, codes []string, percentOff int, expiresAt time.Time) (int, error) {
	pool = strings.TrimSpace(pool)
	switch {
	case pool == "":
		return 0, aftersale.FieldError("pool", "is required")
	case percentOff < 0 || percentOff > 100:
		return 0, aftersale.FieldError("percent", "must be between 0 and 100")
	}
	var clean []string
	for i, c := range codes {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if len(c) > 100 || strings.ContainsFunc(c, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return 0, aftersale.Errorf(aftersale.EINVALID, "code %d (%.20q) must be one word of at most 100 characters", i+1, c)
		}
		clean = append(clean, c)
	}
	added, err := s.cfg.Store.CouponImport(ctx, pool, clean, percentOff, expiresAt, s.cfg.Clock.RealNow())
	if err == nil {
		s.log.InfoContext(ctx, "coupons imported", "pool", pool, "codes", len(clean), "added", added)
	}
	return added, err
}

// PoolAvailable counts the unused codes of a pool.
func (s *Service) PoolAvailable(ctx context.Context, pool string) (int, error) {
	return s.cfg.Store.CouponPoolAvailable(ctx, strings.TrimSpace(pool))
}

// redeemCoupon records, inside the processing transaction, that an order
// named a code: the first order redeems it, a later one is a repeat. A
// code aftersale does not know (a shop-wide code) is no error.
func (s *Service) redeemCoupon(ctx context.Context, tx aftersale.Tx, order *aftersale.Order, code string, at time.Time) error {
	c, first, err := tx.CouponRedeem(ctx, code, order.ID, at)
	switch {
	case aftersale.IsNotFound(err):
		return nil
	case err != nil:
		return err
	case first:
		s.log.InfoContext(ctx, "coupon redeemed", "coupon_id", c.ID, "order_id", order.ID)
	case c.RedeemedOrderID != order.ID:
		s.log.InfoContext(ctx, "coupon used again", "coupon_id", c.ID, "order_id", order.ID, "redemptions", c.Redemptions)
	}
	return nil
}

// InsidersReport is how the insider offers and referrals did.
type InsidersReport struct {
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

// InsidersReport computes the insiders report for the period of f (the
// product filter does not apply: codes are given per customer).
func (s *Service) InsidersReport(ctx context.Context, f ReportFilter) (*InsidersReport, error) {
	st := s.cfg.Store
	r := &InsidersReport{TopReferrers: []ReferrerRow{}}
	coupons, err := st.CouponList(ctx, aftersale.CouponFilter{From: f.From, To: f.To})
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
	refs, err := st.ReferralList(ctx, aftersale.ReferralFilter{From: f.From, To: f.To})
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

// CouponView is a code given to a customer, in the customer API.
type CouponView struct {
	Code        string     `json:"code"`
	Purpose     string     `json:"purpose"` // offer or referral_reward
	Pool        string     `json:"pool,omitempty"`
	PercentOff  int        `json:"percent_off,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	RedeemedAt  *time.Time `json:"redeemed_at,omitempty"`
	RedeemedBy  string     `json:"redeemed_by,omitempty"` // the order that redeemed it
	Redemptions int        `json:"redemptions"`
}

// ReferralView is a customer's referral link, in the customer API.
type ReferralView struct {
	Code     string `json:"code"`
	URL      string `json:"url"`
	Clicks   int    `json:"clicks"`
	Referred int    `json:"referred"` // purchases credited to it
}

// insiders adds the customer's codes and referral link to the view, and
// their history to its timeline: codes issued, redeemed and used again,
// and purchases credited to their link.
func (s *Service) insiders(ctx context.Context, c *aftersale.Customer, orders []*aftersale.Order, v *CustomerView) error {
	st := s.cfg.Store
	loc := s.location(c, c)
	orderRef := s.orderRefs(ctx, orders)
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
		cv := CouponView{Code: cp.Code, Purpose: cp.Purpose, Pool: cp.Pool, PercentOff: cp.PercentOff,
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
		v.Timeline = append(v.Timeline, TimelineItem{At: cp.CreatedAt, Kind: "coupon", Status: status, Summary: sum, Ref: cp.Code})
		// Redeemed by somebody else's order: it shows here, as that order
		// is not among this customer's.
		if cp.RedeemedOrderID != 0 && !slices.ContainsFunc(orders, func(o *aftersale.Order) bool { return o.ID == cp.RedeemedOrderID }) {
			v.Timeline = append(v.Timeline, TimelineItem{At: cp.RedeemedAt, Kind: "coupon", Status: "redeemed",
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
		v.Timeline = append(v.Timeline, TimelineItem{At: at, Kind: "coupon", Status: status, Summary: sum, Ref: o.ExternalID})
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
	v.Referral = &ReferralView{Code: rc.Code, URL: s.ReferralURL(rc.Code), Clicks: rc.Clicks, Referred: len(refs)}
	for _, r := range refs {
		who := "another customer"
		if b, err := st.CustomerGet(ctx, r.CustomerID); err == nil {
			who = b.Email
		}
		sum := fmt.Sprintf("referral: order %s by %s credited to code %s", ref(r.OrderID), who, r.Code)
		v.Timeline = append(v.Timeline, TimelineItem{At: r.CreatedAt, Kind: "referral", Status: "credited", Summary: sum, Ref: r.Code})
	}
	return nil
}

// PoolStat is how a pool of imported codes stands.
type PoolStat struct {
	Pool      string
	Available int // not given to anybody yet
	Given     int // given to a customer
	Redeemed  int // given and used by an order
}

// CouponPools returns the pools of imported codes, by name.
func (s *Service) CouponPools(ctx context.Context) ([]PoolStat, error) {
	all, err := s.cfg.Store.CouponList(ctx, aftersale.CouponFilter{})
	if err != nil {
		return nil, err
	}
	by := map[string]*PoolStat{}
	for _, c := range all {
		if c.Pool == "" {
			continue
		}
		p := by[c.Pool]
		if p == nil {
			p = &PoolStat{Pool: c.Pool}
			by[c.Pool] = p
		}
		switch {
		case c.CustomerID == 0:
			p.Available++
		case c.Redemptions > 0:
			p.Given++
			p.Redeemed++
		default:
			p.Given++
		}
	}
	out := make([]PoolStat, 0, len(by))
	for _, p := range by {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b PoolStat) int { return strings.Compare(a.Pool, b.Pool) })
	return out, nil
}

// CheckOffers checks the parameters of every offer step of the journeys,
// so that a typo is reported when the journeys are loaded, with its file
// and line, not when a step falls due.
func CheckOffers(set *journey.Set) error {
	var errs []error
	for _, j := range set.Journeys {
		for _, st := range j.Steps {
			if st.Type != aftersale.StepOffer {
				continue
			}
			if _, err := parseOfferParams(st.Params); err != nil {
				errs = append(errs, aftersale.Errorf(aftersale.EINVALID, "%s:%d: steps %s: %s", j.File, st.Line, st.ID, aftersale.ErrorMessage(err)))
			}
		}
	}
	return errors.Join(errs...)
}
