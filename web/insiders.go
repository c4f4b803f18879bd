package web

// The insiders report: offer codes issued and redeemed, referral clicks
// and credited purchases, as JSON and CSV (reports.go; the dashboard's
// Insiders panel is web/admin's).

import (
	"io"
	"strconv"

	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/report"
)

// insidersJSON is the insiders report as the API shows it; redeem_rate is
// 0..1 of the codes issued in the period.
type insidersJSON struct {
	Issued       int            `json:"issued"`
	Redeemed     int            `json:"redeemed"`
	RedeemRate   float64        `json:"redeem_rate"`
	Repeats      int            `json:"repeats"`
	Clicks       int            `json:"referral_clicks"`
	Referred     int            `json:"referred_purchases"`
	Rewards      int            `json:"referral_rewards"`
	TopReferrers []referrerJSON `json:"top_referrers"`
}

type referrerJSON struct {
	Email    string `json:"email"`
	Name     string `json:"name,omitempty"`
	Code     string `json:"code,omitempty"`
	Clicks   int    `json:"clicks"`
	Referred int    `json:"referred"`
}

func newInsidersJSON(r *insiders.Report) insidersJSON {
	out := insidersJSON{Issued: r.Issued, Redeemed: r.Redeemed, RedeemRate: finite(r.RedeemRate), Repeats: r.Repeats,
		Clicks: r.Clicks, Referred: r.Referred, Rewards: r.Rewards, TopReferrers: []referrerJSON{}}
	for _, t := range r.TopReferrers {
		out.TopReferrers = append(out.TopReferrers, referrerJSON{Email: t.Email, Name: t.Name, Code: t.Code, Clicks: t.Clicks, Referred: t.Referred})
	}
	return out
}

// writeInsidersCSV writes the insiders report as CSV with the header
// metric,value: one row per figure (redeem_rate 0..1, 3 decimals).
func writeInsidersCSV(w io.Writer, r *insiders.Report) error {
	cw := report.NewCSVWriter(w)
	_ = cw.Write([]string{"metric", "value"})
	for _, row := range [][2]string{
		{"codes_issued", strconv.Itoa(r.Issued)},
		{"codes_redeemed", strconv.Itoa(r.Redeemed)},
		{"redeem_rate", strconv.FormatFloat(finite(r.RedeemRate), 'f', 3, 64)},
		{"repeat_uses", strconv.Itoa(r.Repeats)},
		{"referral_clicks", strconv.Itoa(r.Clicks)},
		{"referred_purchases", strconv.Itoa(r.Referred)},
		{"referral_rewards", strconv.Itoa(r.Rewards)},
	} {
		_ = cw.Write(row[:])
	}
	cw.Flush()
	return cw.Error()
}
