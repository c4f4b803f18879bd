package insiders

// Referrals: every customer can have a referral code ("ANA-K7Q2") whose
// link, /r/CODE, leads to the shop with ?ref=CODE and counts a click. An
// order that names another customer's code (as its coupon, or as
// order.referral) credits that customer, who gets a reward code when the
// install gives one (AFTERSALE_REFERRAL_REWARD_PERCENT). The reward is not
// emailed: it shows in the referrer's timeline and customer API.

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
)

// referralLetters spells common accented capitals in plain ASCII, for the
// name part of referral codes.
var referralLetters = map[rune]string{
	'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A", 'Ä': "A", 'Å': "A", 'Ā': "A", 'Ă': "A", 'Ą': "A", 'Æ': "AE",
	'Ç': "C", 'Ć': "C", 'Č': "C", 'Ď': "D", 'Đ': "D", 'È': "E", 'É': "E", 'Ê': "E", 'Ë': "E", 'Ē': "E",
	'Ę': "E", 'Ě': "E", 'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I", 'Ī': "I", 'Ł': "L", 'Ñ': "N", 'Ń': "N",
	'Ň': "N", 'Ò': "O", 'Ó': "O", 'Ô': "O", 'Õ': "O", 'Ö': "O", 'Ø': "O", 'Ō': "O", 'Ő': "O", 'Œ': "OE",
	'Ř': "R", 'Ś': "S", 'Š': "S", 'Ş': "S", 'ẞ': "SS", 'Ť': "T", 'Ù': "U", 'Ú': "U", 'Û': "U", 'Ü': "U",
	'Ū': "U", 'Ů': "U", 'Ű': "U", 'Ý': "Y", 'Ÿ': "Y", 'Ź': "Z", 'Ž': "Z", 'Ż': "Z",
}

// NewReferralCode returns a fresh referral code for a customer called
// name: the first name in plain capitals (at most 10 letters; FRIEND when
// it has none), a dash and random characters, e.g. "ANA-K7Q2". long makes
// the random part six characters instead of four (after collisions).
func NewReferralCode(name string, long bool) string {
	var b strings.Builder
	first := ""
	if f := strings.Fields(name); len(f) > 0 {
		first = f[0]
	}
	for _, r := range strings.ToUpper(first) {
		if b.Len() >= 10 {
			break
		}
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r == 'ß':
			b.WriteString("SS")
		case referralLetters[r] != "":
			b.WriteString(referralLetters[r])
		case unicode.IsLetter(r):
			// a letter of another script: left out
		}
	}
	prefix := b.String()
	if len(prefix) > 10 {
		prefix = prefix[:10]
	}
	if prefix == "" {
		prefix = "FRIEND"
	}
	n := 4
	if long {
		n = 6
	}
	return prefix + "-" + randomCode(n)
}

// ReferralURL is the public link of a referral code.
func (s *Service) ReferralURL(code string) string {
	return s.cfg.BaseURL + "/r/" + url.PathEscape(code)
}

// ensureReferralCode returns c's referral code, giving them one when they
// have none.
func (s *Service) ensureReferralCode(ctx context.Context, c *aftersale.Customer, at time.Time) (*aftersale.ReferralCode, error) {
	q := s.cfg.Store
	rc, err := q.ReferralCodeOf(ctx, c.ID)
	if err == nil || !aftersale.IsNotFound(err) {
		return rc, err
	}
	for i := range codeTries {
		rc, err := q.ReferralCodeEnsure(ctx, c.ID, NewReferralCode(c.Name, i >= codeTries/2), at)
		if aftersale.ErrorCode(err) == aftersale.ECONFLICT {
			continue
		}
		if err == nil {
			s.log.InfoContext(ctx, "referral code ensured", "customer_id", c.ID)
		}
		return rc, err
	}
	return nil, aftersale.Errorf(aftersale.EINTERNAL, "no free referral code after %d tries", codeTries)
}

// ReferralCode returns the referral link of the customer with the email,
// making one when they have none.
func (s *Service) ReferralCode(ctx context.Context, emailAddr string) (*engine.ReferralView, error) {
	st := s.cfg.Store
	c, err := st.CustomerGetByEmail(ctx, strings.ToLower(strings.TrimSpace(emailAddr)))
	if err != nil {
		return nil, err
	}
	rc, err := s.ensureReferralCode(ctx, c, s.cfg.Clock.RealNow())
	if err != nil {
		return nil, err
	}
	refs, err := st.ReferralList(ctx, aftersale.ReferralFilter{ReferrerID: c.ID})
	if err != nil {
		return nil, err
	}
	return &engine.ReferralView{Code: rc.Code, URL: s.ReferralURL(rc.Code), Clicks: rc.Clicks, Referred: len(refs)}, nil
}

// FollowReferral counts a click on the referral link of code and returns
// where the link leads: the shop (AFTERSALE_SHOP_URL, or this install's
// base URL without one) with ?ref=CODE. ENOTFOUND for an unknown code.
func (s *Service) FollowReferral(ctx context.Context, code string) (string, error) {
	code = strings.TrimSpace(code)
	notFound := aftersale.Errorf(aftersale.ENOTFOUND, "this referral link is not known: check that it was copied whole")
	if code == "" || len(code) > 100 {
		return "", notFound
	}
	st := s.cfg.Store
	rc, err := st.ReferralCodeGet(ctx, code)
	if aftersale.IsNotFound(err) {
		return "", notFound
	} else if err != nil {
		return "", err
	}
	if err := st.ReferralClick(ctx, rc.Code); err != nil {
		return "", err
	}
	target := s.cfg.ShopURL
	if target == "" {
		target = s.cfg.BaseURL + "/"
	}
	u, err := url.Parse(target)
	if err != nil {
		return "", aftersale.Errorf(aftersale.EINTERNAL, "the shop URL %q: %v", target, err)
	}
	q := u.Query()
	q.Set("ref", rc.Code)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// OrderPlaced runs, in the transaction that records a new order (the
// engine's OrderHook), what the insiders programme does with it: the code
// the order names is redeemed (or counts as a repeat), and the customer
// whose referral code the order names (as its coupon or its referral) is
// credited and rewarded. now is when the order was received, realNow the
// time of processing.
func (s *Service) OrderPlaced(ctx context.Context, tx aftersale.Tx, ev *aftersale.Event, order *aftersale.Order, buyer *aftersale.Customer, now, realNow time.Time) error {
	if ev.Order == nil {
		return nil
	}
	if code := strings.TrimSpace(ev.Order.Coupon); code != "" {
		if err := s.redeemCoupon(ctx, tx, order, code, now); err != nil {
			return err
		}
	}
	return s.creditReferral(ctx, tx, order, buyer, []string{ev.Order.Referral, ev.Order.Coupon}, realNow)
}

// redeemCoupon records, inside the processing transaction, that an order
// named a code: the first order redeems it, a later one is a repeat. A
// code aftersale does not know (a shop-wide code) is no error.
func (s *Service) redeemCoupon(ctx context.Context, tx Tx, order *aftersale.Order, code string, at time.Time) error {
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

// creditReferral credits the order to the customer whose referral code is
// the first of codes that is one (a buyer's own code is ignored), once per
// order, and gives the referrer a reward code when the install gives one.
func (s *Service) creditReferral(ctx context.Context, tx Tx, order *aftersale.Order, buyer *aftersale.Customer, codes []string, at time.Time) error {
	for _, code := range codes {
		code = strings.TrimSpace(code)
		if code == "" || len(code) > 100 {
			continue
		}
		rc, err := tx.ReferralCodeGet(ctx, code)
		if aftersale.IsNotFound(err) {
			continue
		} else if err != nil {
			return err
		}
		if rc.CustomerID == buyer.ID {
			s.log.InfoContext(ctx, "self-referral ignored", "order_id", order.ID, "customer_id", buyer.ID)
			continue
		}
		ref, created, err := tx.ReferralRecord(ctx, &aftersale.Referral{
			ReferrerID: rc.CustomerID, CustomerID: buyer.ID, OrderID: order.ID, Code: rc.Code, CreatedAt: at,
		})
		if err != nil || !created {
			return err
		}
		s.log.InfoContext(ctx, "referral credited", "referral_id", ref.ID, "referrer_id", rc.CustomerID, "order_id", order.ID)
		if s.cfg.ReferralRewardPercent <= 0 {
			return nil
		}
		referrer, err := tx.CustomerGet(ctx, rc.CustomerID)
		if err != nil {
			return err
		}
		days := s.cfg.ReferralRewardDays
		coupon, _, err := issueCoupon(ctx, tx, &aftersale.Coupon{
			CustomerID: referrer.ID, Purpose: aftersale.CouponReferralReward, PercentOff: s.cfg.ReferralRewardPercent,
			ExpiresAt: lastMoment(at.AddDate(0, 0, days), s.location(referrer, referrer)), CreatedAt: at,
		}, "REWARD")
		if err != nil {
			return err
		}
		s.log.InfoContext(ctx, "referral reward issued", "referral_id", ref.ID, "coupon_id", coupon.ID)
		return tx.ReferralSetReward(ctx, ref.ID, coupon.ID)
	}
	return nil
}
