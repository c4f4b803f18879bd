package journey

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/phone"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// Facts are what conditions are checked against: the order, the people, the
// packages and sessions, the virtual now, and what earlier steps produced.
// Any part may be nil or empty.
type Facts struct {
	Order     *aftersale.Order
	Buyer     *aftersale.Customer
	User      *aftersale.Customer // nil when the buyer uses the purchase
	Shipments []*aftersale.ShipmentRecord
	Bookings  []*aftersale.BookingRecord
	// Now is the virtual current time (see aftersale.Clock).
	Now time.Time
	// TaskOutcomes maps a task step's id to the outcome its task was
	// completed with.
	TaskOutcomes map[string]string
	// SurveyScore is the customer's latest survey score; nil when none.
	SurveyScore *int
	// Returns are the order's returns, newest first.
	Returns []*aftersale.Return
	// Engaged is true when a human touch for the order happened: one of
	// its tasks was completed with an outcome other than no_answer,
	// wrong_number or skipped.
	Engaged bool
	// KeptOrders counts the buyer's orders (this one included) that were
	// neither refunded nor cancelled.
	KeptOrders int
	// PhoneRegion reads phone numbers written without a country code
	// (ISO 3166-1 alpha-2, e.g. "US"); "" means phone.DefaultRegion. Only
	// a number that can be dialled (phone.Valid) makes has_phone true.
	PhoneRegion string
}

// The stages of a purchase on the way from transaction to customer, as
// the condition name `stage` gives them.
const (
	StagePurchased = "purchased"
	StageOnboarded = "onboarded"
	StageEngaged   = "engaged"
	StageSatisfied = "satisfied"
	StageLoyal     = "loyal"
	StageRefunded  = "refunded"
)

// Stage places the order of the facts on the way from transaction to
// customer, by the rule of the customer view: refunded (the order was
// refunded or cancelled), loyal (the buyer kept another order too),
// satisfied (the latest recommendation score is 9 or 10), engaged (a human
// touch happened), onboarded (accessed or delivered), else purchased. The
// first that holds wins.
func (f *Facts) Stage() string {
	o := f.Order
	score := -1
	if f.SurveyScore != nil {
		score = *f.SurveyScore
	}
	switch {
	case o == nil:
		return StagePurchased
	case o.Status == aftersale.OrderRefunded || o.Status == aftersale.OrderCancelled:
		return StageRefunded
	case f.KeptOrders >= 2:
		return StageLoyal
	case score >= 9:
		return StageSatisfied
	case f.Engaged:
		return StageEngaged
	case !o.AccessedAt.IsZero() || !o.DeliveredAt.IsZero():
		return StageOnboarded
	}
	return StagePurchased
}

// progressNames are the condition names that read the facts of the
// customer's progress (Engaged, KeptOrders, SurveyScore), which take more
// reads to load; see Condition.NeedsProgress.
var progressNames = []string{"stage", "engaged", "satisfied", "survey_score"}

// returnNames are the condition names that read the order's returns; see
// Condition.NeedsReturns.
var returnNames = []string{"returned", "exchange", "return_reason"}

// outcomeName is the condition function that reads a task step's outcome;
// see Condition.NeedsOutcomes.
const outcomeName = "outcome"

// env is the expression environment. Its field tags are the names a
// condition uses; FORMAT.md documents them.
type env struct {
	Kinds             []string               `expr:"kinds"`
	HasKind           func(k string) bool    `expr:"has_kind"`
	Kind              string                 `expr:"kind"`
	Total             float64                `expr:"total"`
	Currency          string                 `expr:"currency"`
	Coupon            string                 `expr:"coupon"`
	Source            string                 `expr:"source"`
	Consent           bool                   `expr:"consent"`
	HasPhone          bool                   `expr:"has_phone"`
	HasUser           bool                   `expr:"has_user"`
	Accessed          bool                   `expr:"accessed"`
	Delivered         bool                   `expr:"delivered"`
	Shipped           bool                   `expr:"shipped"`
	Arrival           string                 `expr:"arrival"`
	Returned          bool                   `expr:"returned"`
	Exchange          bool                   `expr:"exchange"`
	ReturnReason      string                 `expr:"return_reason"`
	Booked            bool                   `expr:"booked"`
	Refunded          bool                   `expr:"refunded"`
	PartlyRefunded    bool                   `expr:"partially_refunded"`
	Cancelled         bool                   `expr:"cancelled"`
	DaysSincePurchase float64                `expr:"days_since_purchase"`
	Outcome           func(id string) string `expr:"outcome"`
	SurveyScore       int                    `expr:"survey_score"`
	Timezone          string                 `expr:"timezone"`
	Stage             string                 `expr:"stage"`
	Engaged           bool                   `expr:"engaged"`
	Satisfied         bool                   `expr:"satisfied"`
}

// newEnv derives the expression environment from the facts.
func newEnv(f *Facts) env {
	if f == nil {
		f = &Facts{}
	}
	e := env{SurveyScore: -1, Kinds: []string{}}
	o := f.Order
	if o != nil {
		for _, k := range o.Kinds() {
			e.Kinds = append(e.Kinds, string(k))
		}
		if len(o.Items) > 0 {
			e.Kind = string(o.Items[0].Kind)
		}
		e.Total, _ = strconv.ParseFloat(strings.TrimSpace(o.Total), 64)
		e.Currency, e.Coupon, e.Source = o.Currency, o.Coupon, o.Source
		e.Accessed = !o.AccessedAt.IsZero()
		e.Delivered = !o.DeliveredAt.IsZero()
		e.Arrival = o.Arrival
		e.Refunded = o.Status == aftersale.OrderRefunded
		e.PartlyRefunded = o.Partial()
		e.Cancelled = o.Status == aftersale.OrderCancelled
		if !o.PlacedAt.IsZero() && !f.Now.IsZero() {
			e.DaysSincePurchase = f.Now.Sub(o.PlacedAt).Hours() / 24
		}
		e.HasUser = o.UserID != 0 && (o.UserID != o.CustomerID)
	}
	kinds := e.Kinds
	e.HasKind = func(k string) bool {
		for _, x := range kinds {
			if x == k {
				return true
			}
		}
		return false
	}
	e.Shipped = len(f.Shipments) > 0
	for _, r := range f.Returns {
		if r == nil || r.Status == aftersale.ReturnCancelled {
			continue
		}
		if !e.Returned { // the newest return that stands
			e.Exchange = r.Resolution == aftersale.ResolutionExchange
			e.ReturnReason = r.Reason
		}
		e.Returned = true
	}
	e.Booked = len(f.Bookings) > 0
	if b := f.Buyer; b != nil {
		e.Consent = b.MarketingConsent && !b.Unsubscribed
		e.HasPhone = phone.Valid(b.Phone, f.PhoneRegion)
		e.Timezone = b.Timezone
	}
	if u := f.User; u != nil && (f.Buyer == nil || !strings.EqualFold(u.Email, f.Buyer.Email)) {
		e.HasUser = true
		e.HasPhone = e.HasPhone || phone.Valid(u.Phone, f.PhoneRegion)
	}
	outcomes := f.TaskOutcomes
	e.Outcome = func(id string) string { return outcomes[id] }
	if f.SurveyScore != nil {
		e.SurveyScore = *f.SurveyScore
	}
	e.Stage = f.Stage()
	e.Engaged = f.Engaged
	e.Satisfied = e.SurveyScore >= 9
	return e
}

// Condition is a compiled expr-lang expression that yields a bool: a step's
// `if` or a journey's `when`. A nil *Condition is always true.
type Condition struct {
	src  string
	prog *vm.Program
	// progress is true when the condition names a fact of the customer's
	// progress (progressNames).
	progress bool
	// returns: it names a fact of the order's returns (returnNames).
	returns bool
	// outcomes: it calls outcome, which reads the outcomes of the
	// order's tasks (Facts.TaskOutcomes).
	outcomes bool
}

// CompileCondition compiles src against the fact environment. It fails when
// the expression does not parse, names something unknown, or is not a bool.
// The error message is the compiler's first line.
func CompileCondition(src string) (*Condition, error) {
	src = strings.TrimSpace(src)
	if src == "" {
		return nil, fmt.Errorf("empty condition")
	}
	if len(src) > 2000 {
		return nil, fmt.Errorf("condition is too long (at most 2000 characters)")
	}
	prog, err := expr.Compile(src,
		expr.Env(env{}),
		expr.AsBool(),
		expr.DisableBuiltin("now"), // use days_since_purchase: virtual time
		expr.MaxNodes(500),
	)
	if err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return nil, fmt.Errorf("%s", msg)
	}
	c := &Condition{src: src, prog: prog}
	if root := prog.Node(); root != nil {
		ast.Walk(&root, visitor(func(n *ast.Node) {
			if id, ok := (*n).(*ast.IdentifierNode); ok {
				c.progress = c.progress || slices.Contains(progressNames, id.Value)
				c.returns = c.returns || slices.Contains(returnNames, id.Value)
				c.outcomes = c.outcomes || id.Value == outcomeName
			}
		}))
	}
	return c, nil
}

// visitor adapts a function to ast.Visitor.
type visitor func(n *ast.Node)

func (v visitor) Visit(n *ast.Node) { v(n) }

// NeedsProgress reports whether the condition reads the facts of the
// customer's progress: stage, engaged, satisfied or survey_score. The
// caller loads Facts.Engaged, KeptOrders and SurveyScore only then. A nil
// Condition needs none.
func (c *Condition) NeedsProgress() bool { return c != nil && c.progress }

// NeedsReturns reports whether the condition reads the order's returns
// (Facts.Returns), which take a read to load.
func (c *Condition) NeedsReturns() bool { return c != nil && c.returns }

// NeedsOutcomes reports whether the condition calls outcome, which reads
// the outcomes the order's tasks were completed with
// (Facts.TaskOutcomes), which take a read to load. Only the name of the
// function counts: a text that reads "outcome(" does not.
func (c *Condition) NeedsOutcomes() bool { return c != nil && c.outcomes }

// Eval checks the condition against the facts. A nil Condition is true.
func (c *Condition) Eval(f *Facts) (bool, error) {
	if c == nil {
		return true, nil
	}
	out, err := expr.Run(c.prog, newEnv(f))
	if err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return false, aftersale.Errorf(aftersale.EINVALID, "condition %q: %s", c.src, msg)
	}
	b, ok := out.(bool)
	if !ok {
		return false, aftersale.Errorf(aftersale.EINVALID, "condition %q: result is %T, not bool", c.src, out)
	}
	return b, nil
}

// String returns the condition's source.
func (c *Condition) String() string {
	if c == nil {
		return ""
	}
	return c.src
}
