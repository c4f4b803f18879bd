package admin

import (
	"math"

	"github.com/aftersale/aftersale/insiders"
)

// insidersView is the dashboard's Insiders panel: offer codes issued and
// redeemed, referral clicks and credited purchases.
type insidersView struct {
	Issued, Redeemed, Repeats, Clicks, Referred, Rewards string
	RedeemRate                                           string
	TopReferrers                                         []insiders.ReferrerRow
}

func newInsidersView(r *insiders.Report) *insidersView {
	v := &insidersView{Issued: thousands(r.Issued), Redeemed: thousands(r.Redeemed), Repeats: thousands(r.Repeats),
		Clicks: thousands(r.Clicks), Referred: thousands(r.Referred), Rewards: thousands(r.Rewards), RedeemRate: "—",
		TopReferrers: r.TopReferrers}
	if r.Issued > 0 {
		v.RedeemRate = percent(r.RedeemRate)
	}
	return v
}

// finite is v, or 0 when v is NaN or infinite.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
