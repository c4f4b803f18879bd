package insiders

// Offers: offer steps give each recipient a unique, single-use coupon code
// (generated, or taken from a pool of codes imported from the shop) and,
// optionally, their own referral link; orders that name a code redeem it
// (see referrals.go).

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
	"github.com/aftersale/aftersale/engine"
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

// HandleOffer executes an offer step (the engine's StepHandler of
// aftersale.StepOffer): it sends the step's email, to each recipient who
// may get marketing email with their own code (issued once per step and
// customer, so a retry or resend shows the same one) and referral link.
// The step is skipped when the pool is empty for everybody, or no
// next-level product suits the order.
func (s *Service) HandleOffer(ctx context.Context, x *engine.StepExec) (engine.StepOutcome, error) {
	step, f := x.Step, x.Facts
	p, err := parseOfferParams(x.Journey.Params)
	if err != nil {
		return engine.StepOutcome{}, err
	}
	oj := *x.Journey
	if oj.Template == "" {
		oj.Template = DefaultOfferTemplate
	}
	if oj.Category == "" {
		oj.Category = aftersale.CategoryMarketing
	}
	var next *email.NextLevelData
	if p.NextLevel {
		if next = s.nextLevelOffer(f); next == nil {
			return engine.Skipped("no next-level offer suits this order"), nil
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
		if engine.Suppressed(oj.Category, c) != "" {
			keep = append(keep, role) // the engine records why it is not sent; no code is spent on it
			continue
		}
		od, err := s.offerFor(ctx, step, p, c, f)
		if errors.Is(err, errPoolEmpty) {
			empty = append(empty, role)
			continue
		}
		if err != nil {
			return engine.StepOutcome{}, fmt.Errorf("%w: offer for the %s: %v", engine.ErrRetry, role, err)
		}
		offers[c.ID] = od
		keep = append(keep, role)
	}
	if len(empty) > 0 && len(offers) == 0 {
		return engine.Skipped(fmt.Sprintf("pool %s is empty", p.Pool)), nil
	}
	oj.To = keep
	if len(keep) == 0 {
		return engine.Done("nobody to send to"), nil
	}
	msgs, note, err := x.SendEmail(ctx, &oj, func(c *aftersale.Customer, _ bool, d *email.Data) {
		if od := offers[c.ID]; od != nil {
			cp := *od
			d.Offer = &cp
		}
		if next != nil {
			n := *next
			d.NextLevel = &n
		}
	})
	for _, role := range empty {
		note += fmt.Sprintf(", %s: not sent (pool %s is empty)", role, p.Pool)
	}
	return engine.Done(note, msgs...), err
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
		rc, err := s.ensureReferralCode(ctx, c, now)
		if err != nil {
			return nil, err
		}
		od.ReferralURL = s.ReferralURL(rc.Code)
	}
	return od, nil
}

// couponIssuer stores generated codes: Store and Tx are.
type couponIssuer interface {
	CouponIssue(ctx context.Context, c *aftersale.Coupon) (coupon *aftersale.Coupon, created bool, err error)
}

// issueCoupon stores a new generated code for want.CustomerID (a fresh
// code after a collision); for a code of a step, the code the customer
// already has for it is returned instead (created false).
func issueCoupon(ctx context.Context, q couponIssuer, want *aftersale.Coupon, prefix string) (*aftersale.Coupon, bool, error) {
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

// nextLevelOffer returns the next product to propose for what the order of
// the facts has: the first rule of Config.NextLevel (AFTERSALE_NEXT_LEVEL)
// that matches one of its items, by SKU or "kind:KIND". It is nil when no
// rule matches; the offer step with `offer: {next_level: true}` is then
// skipped. Whether the customer is ready (satisfied or engaged, with
// consent, not refunded) is the step's condition.
func (s *Service) nextLevelOffer(f *journey.Facts) *email.NextLevelData {
	if f == nil || f.Order == nil {
		return nil
	}
	r := aftersale.NextLevelFor(s.cfg.NextLevel, f.Order)
	if r == nil {
		return nil
	}
	return &email.NextLevelData{Name: r.Name, URL: r.URL, Description: r.Description}
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
