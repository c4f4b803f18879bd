package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/aftersale/aftersale"
)

// The stages of a purchase on its way from a transaction to a customer.
const (
	StagePurchased = "purchased" // the order was placed
	StageOnboarded = "onboarded" // access, delivery or the first session happened
	StageEngaged   = "engaged"   // a human touch was completed (a call, a personal email, ...)
	StageSatisfied = "satisfied" // a good survey (a recommendation of 9 or 10, or a mean rating of 4 or more)
	StageLoyal     = "loyal"     // the buyer bought again
)

// Stages lists the stages in order.
var Stages = []string{StagePurchased, StageOnboarded, StageEngaged, StageSatisfied, StageLoyal}

// FunnelOrder is what the funnel needs to know of one order.
type FunnelOrder struct {
	Refunded  bool // refunded or cancelled: it stops at purchased
	Onboarded bool
	// FirstTouch is the time from the order to the first human touch
	// completed for it; negative when there was none.
	FirstTouch time.Duration
	Satisfied  bool
	Repeat     bool // the buyer placed another order after this one
	// Partial: something was refunded, but not the whole order (it goes
	// on through the funnel).
	Partial bool
	// Total and RefundedAmount are the order's money, for the refunded
	// share of revenue (decimal strings).
	Total, RefundedAmount string
}

// Stage is one step of the funnel.
type Stage struct {
	Name  string
	Count int     // orders that reached the stage
	Rate  float64 // Count over the previous stage's Count, 0..1 (1 for the first)
}

// Funnel is the transaction-to-customer funnel of a set of orders.
type Funnel struct {
	Stages         []Stage
	Orders         int
	Refunded       int     // fully refunded or cancelled
	RefundRate     float64 // Refunded / Orders
	PartlyRefunded int     // orders with a partial refund
	// Revenue is the orders' totals and RefundedRevenue what was paid
	// back of them (decimal strings, all currencies together);
	// RefundedShare is RefundedRevenue / Revenue, 0..1.
	Revenue, RefundedRevenue string
	RefundedShare            float64
	RepeatRate               float64 // orders whose buyer bought again / Orders
	Touched                  int     // orders with a human touch
	MedianFirstTouch         time.Duration
}

// StageOf is the furthest stage an order reached. The stages build on each
// other: an order counts as loyal only if it was also onboarded, engaged
// and satisfied... is too strict for real shops (a repeat buyer may never
// answer a survey), so an order's stage is the last stage whose condition
// holds, and the funnel counts an order in its stage and every stage
// before it. A refunded or cancelled order stays at purchased.
func StageOf(o FunnelOrder) string {
	switch {
	case o.Refunded:
		return StagePurchased
	case o.Repeat:
		return StageLoyal
	case o.Satisfied:
		return StageSatisfied
	case o.FirstTouch >= 0:
		return StageEngaged
	case o.Onboarded:
		return StageOnboarded
	}
	return StagePurchased
}

// ComputeFunnel counts the orders per stage and the rates.
func ComputeFunnel(orders []FunnelOrder) *Funnel {
	f := &Funnel{Orders: len(orders)}
	reached := make([]int, len(Stages))
	var touches []time.Duration
	repeat := 0
	for _, o := range orders {
		idx := slices.Index(Stages, StageOf(o))
		for i := 0; i <= idx; i++ {
			reached[i]++
		}
		if o.Refunded {
			f.Refunded++
		}
		if o.Partial && !o.Refunded {
			f.PartlyRefunded++
		}
		f.Revenue = aftersale.AddMoney(f.Revenue, o.Total)
		f.RefundedRevenue = aftersale.AddMoney(f.RefundedRevenue, o.RefundedAmount)
		if o.Repeat {
			repeat++
		}
		if o.FirstTouch >= 0 {
			touches = append(touches, o.FirstTouch)
		}
	}
	for i, name := range Stages {
		st := Stage{Name: name, Count: reached[i], Rate: 1}
		if i > 0 {
			st.Rate = ratio(reached[i], reached[i-1])
		}
		f.Stages = append(f.Stages, st)
	}
	f.RefundRate = ratio(f.Refunded, f.Orders)
	f.RefundedShare = aftersale.MoneyShare(f.RefundedRevenue, f.Revenue)
	f.RepeatRate = ratio(repeat, f.Orders)
	f.Touched = len(touches)
	if n := len(touches); n > 0 {
		slices.Sort(touches)
		if n%2 == 1 {
			f.MedianFirstTouch = touches[n/2]
		} else {
			f.MedianFirstTouch = (touches[n/2-1] + touches[n/2]) / 2
		}
	}
	return f
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// WriteFunnelCSV writes the funnel's stages, then its rates, as CSV:
// stage,orders,rate rows followed by metric,value rows.
func WriteFunnelCSV(w io.Writer, f *Funnel) error {
	cw := NewCSVWriter(w)
	rows := [][]string{{"stage", "orders", "rate"}}
	for _, st := range f.Stages {
		rows = append(rows, []string{st.Name, strconv.Itoa(st.Count), fmt.Sprintf("%.3f", st.Rate)})
	}
	rows = append(rows,
		[]string{"refund_rate", strconv.Itoa(f.Refunded), fmt.Sprintf("%.3f", f.RefundRate)},
		[]string{"partly_refunded", strconv.Itoa(f.PartlyRefunded), fmt.Sprintf("%.3f", ratio(f.PartlyRefunded, f.Orders))},
		[]string{"refunded_revenue_share", f.RefundedRevenue, fmt.Sprintf("%.3f", f.RefundedShare)},
		[]string{"repeat_rate", "", fmt.Sprintf("%.3f", f.RepeatRate)},
		[]string{"median_first_touch_hours", strconv.Itoa(f.Touched), fmt.Sprintf("%.3f", f.MedianFirstTouch.Hours())},
	)
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}
