package aftersale

import (
	"strings"
	"time"
)

// Coupon purposes.
const (
	CouponOffer          = "offer"           // an insider offer of a journey's offer step
	CouponReferralReward = "referral_reward" // a thank-you to a customer whose referral bought
)

// Coupon is a discount code: generated for one customer, or imported into
// a named pool (codes created in the shop) and handed out one at a time.
// A code is single-use: the first order that names it redeems it; a later
// order with it counts as a repeat.
type Coupon struct {
	ID   int64
	Code string // unique, compared without case
	// Pool is the name of the imported pool the code came from; "" for a
	// generated code.
	Pool string
	// CustomerID is whom it was given to; 0 while a pool code is unused.
	CustomerID int64
	Purpose    string // CouponOffer or CouponReferralReward
	// StepID is the offer step it was issued for (0 for none): a step
	// gives a customer at most one code.
	StepID     int64
	PercentOff int
	ExpiresAt  time.Time // zero: does not expire
	CreatedAt  time.Time
	// The first redemption; Redemptions counts every order that named the
	// code (more than 1: repeats).
	RedeemedAt      time.Time
	RedeemedOrderID int64
	Redemptions     int
}

// CouponFilter selects coupons; zero fields do not filter.
type CouponFilter struct {
	CustomerID int64
	Purpose    string
	From, To   time.Time // created in [From, To)
}

// ReferralCode is a customer's own referral code and how often its link
// was followed.
type ReferralCode struct {
	CustomerID int64
	Code       string
	Clicks     int
	CreatedAt  time.Time
}

// Referral is a purchase credited to a referrer.
type Referral struct {
	ID         int64
	ReferrerID int64 // the customer whose code was used
	CustomerID int64 // the buyer
	OrderID    int64 // unique: an order credits one referrer once
	Code       string
	// RewardCouponID is the code given to the referrer for it; 0 for none.
	RewardCouponID int64
	CreatedAt      time.Time
}

// ReferralFilter selects referrals; zero fields do not filter.
type ReferralFilter struct {
	ReferrerID int64
	From, To   time.Time
}

// Story is a client story: how a customer like this one got on. Only
// stories with the client's permission are ever sent.
type Story struct {
	ID    int64
	Title string
	Body  string // Markdown
	// Match says which purchases it suits: an item SKU, "kind:KIND", or
	// "" for any.
	Match      string
	Permission bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Broadcast statuses.
const (
	BroadcastDraft     = "draft"
	BroadcastScheduled = "scheduled"
	BroadcastSending   = "sending"
	BroadcastSent      = "sent"
	BroadcastCancelled = "cancelled"
)

// The statuses of a broadcast's message to one person
// (BroadcastRecipient.Status).
const (
	RecipientSending = "sending"
	RecipientSent    = "sent"
	RecipientSkipped = "skipped"
	RecipientFailed  = "failed"
)

// Segment chooses the audience of a broadcast. Only people who gave
// marketing consent, have not unsubscribed and are not suppressed are ever
// in it; the fields narrow it further (zero fields do not).
type Segment struct {
	// SKUs: bought any of these items. Kinds: bought an item of any of
	// these kinds.
	SKUs  []string `json:"skus,omitempty"`
	Kinds []string `json:"kinds,omitempty"`
	// Stages: is at any of these lifecycle stages (purchased, onboarded,
	// engaged, satisfied, loyal).
	Stages []string `json:"stages,omitempty"`
	// PurchasedFrom, PurchasedTo: placed an order in [From, To).
	PurchasedFrom time.Time `json:"purchased_from,omitzero"`
	PurchasedTo   time.Time `json:"purchased_to,omitzero"`
	// CustomersOnly: has an order that was not refunded or cancelled ("first
	// look" broadcasts go to customers only, not to contacts).
	CustomersOnly bool `json:"customers_only,omitempty"`
}

// Broadcast is an update to the list, written in Markdown.
type Broadcast struct {
	ID      int64
	Title   string // for the team
	Subject string
	Body    string // Markdown; may use {{.FirstName}}
	Segment Segment
	// FirstLook marks a first look at something new: customers only.
	FirstLook bool
	Status    string
	// ScheduledAt is when a scheduled broadcast starts.
	ScheduledAt time.Time
	// Rate is how many messages a second it sends at most.
	Rate      int
	CreatedBy string // the member's email
	CreatedAt time.Time
	StartedAt time.Time
	// FinishedAt, and the counts once it has been sent.
	FinishedAt time.Time
	Sent       int
	Skipped    int
	Failed     int
}

// BroadcastRecipient is one person's message of a broadcast.
type BroadcastRecipient struct {
	BroadcastID int64
	CustomerID  int64
	Status      string // sending, sent, skipped, failed
	MessageID   string
	Error       string
	At          time.Time
}

// NextLevelRule names the next product for a purchase: when an order has
// an item that Match matches (an item SKU, or "kind:KIND"), the next-level
// offer proposes Name at URL.
type NextLevelRule struct {
	Match       string
	Name        string
	URL         string
	Description string
}

// NextLevelFor returns the first rule that matches an item of the order,
// or nil.
func NextLevelFor(rules []NextLevelRule, o *Order) *NextLevelRule {
	for i := range rules {
		r := &rules[i]
		for _, it := range o.Items {
			if k, isKind := strings.CutPrefix(r.Match, "kind:"); isKind && string(it.Kind) == k || !isKind && it.SKU == r.Match {
				return r
			}
		}
	}
	return nil
}
