package returns

// The public returns page: a customer finds their order by email and
// number, chooses what to send back, and the return starts at once.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// startTTL is the lifetime of the returns page a found order opens.
const startTTL = 2 * time.Hour

// errNoOrder is the one answer to every failed order lookup of the public
// returns page, so that it tells nobody whether an email or an order
// number exists.
var errNoOrder = aftersale.Errorf(aftersale.ENOTFOUND,
	"We could not find an order with that email address and order number. Check both (the order number is in your receipt email) and try again.")

// Start is the page where a customer chooses what to send back.
type Start struct {
	Order    *aftersale.Order
	Customer *aftersale.Customer
	Policy   aftersale.ReturnPolicy
	// Returns are the returns already started for the order, newest first.
	Returns []*View
}

// Input is what the customer chose on the returns page.
type Input struct {
	// Key makes a resubmitted form one return: the page's form carries a
	// random key, and the same key is the same return.
	Key        string
	Items      []aftersale.ReturnItem // SKU and Quantity
	Reason     string
	Comment    string
	Resolution string
}

// FindOrder looks up an order by the buyer's (or user's) email and the
// order number, and returns the signed token of its returns page. Every
// mismatch gives the same ENOTFOUND error.
func (s *Service) FindOrder(ctx context.Context, email, number string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	number = strings.TrimSpace(number)
	if email == "" || strings.TrimPrefix(number, "#") == "" {
		return "", aftersale.Errorf(aftersale.EINVALID, "Enter the email address you ordered with and the order number.")
	}
	orders, err := s.OrdersByRef(ctx, number)
	if err != nil {
		return "", err
	}
	for _, o := range orders {
		ok, err := s.boughtBy(ctx, o, email)
		if err != nil {
			return "", err
		}
		if ok {
			return s.cfg.Links.Sign(aftersale.LinkReturn, o.ExternalID, startTTL), nil
		}
	}
	return "", errNoOrder
}

// boughtBy reports whether the email (lower case) is the order's buyer's
// or user's. It compares lower-cased addresses, as the lookup's per-email
// limit keys them, not with Unicode case folding, which would let "ſ"
// (long s) stand for "s" under another key.
func (s *Service) boughtBy(ctx context.Context, o *aftersale.Order, email string) (bool, error) {
	for _, id := range []int64{o.CustomerID, o.UserID} {
		if id == 0 {
			continue
		}
		c, err := s.cfg.Store.CustomerGet(ctx, id)
		if err != nil && !aftersale.IsNotFound(err) {
			return false, err
		}
		if c != nil && strings.ToLower(strings.TrimSpace(c.Email)) == email {
			return true, nil
		}
	}
	return false, nil
}

// OrdersByRef returns the orders a customer or the team may mean by ref:
// the order number the buyer knows ("#1001", with or without the "#") or
// the shop's order id, each order once, numbers first.
func (s *Service) OrdersByRef(ctx context.Context, ref string) ([]*aftersale.Order, error) {
	ref = strings.TrimSpace(ref)
	bare := strings.TrimPrefix(ref, "#")
	var out []*aftersale.Order
	seen := map[int64]bool{}
	add := func(o *aftersale.Order, err error) error {
		if aftersale.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		if !seen[o.ID] {
			seen[o.ID] = true
			out = append(out, o)
		}
		return nil
	}
	// ref is one of the two spellings of the number.
	for _, n := range []string{"#" + bare, bare} {
		if err := add(s.cfg.Store.OrderGetByNumber(ctx, n)); err != nil {
			return nil, err
		}
	}
	for _, id := range slices.Compact([]string{bare, ref}) {
		if err := add(s.cfg.Store.OrderGetByExternalID(ctx, id)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// StartPage opens the returns page of the order the token names.
func (s *Service) StartPage(ctx context.Context, token string) (*Start, error) {
	ref, err := s.cfg.Links.Verify(aftersale.LinkReturn, token)
	if err != nil {
		return nil, err
	}
	o, err := s.cfg.Store.OrderGetByExternalID(ctx, ref)
	if err != nil {
		return nil, err
	}
	c, err := s.cfg.Store.CustomerGet(ctx, o.CustomerID)
	if err != nil {
		return nil, err
	}
	rs, err := s.cfg.Store.ReturnList(ctx, aftersale.ReturnFilter{OrderID: o.ID})
	if err != nil {
		return nil, err
	}
	st := &Start{Order: o, Customer: c, Policy: s.Policy()}
	for _, r := range rs {
		st.Returns = append(st.Returns, s.NewView(r, o, c))
	}
	return st, nil
}

// returnable says why an order cannot be returned, or "" when it can.
func (s *Service) returnable(o *aftersale.Order) string {
	switch o.Status {
	case aftersale.OrderRefunded:
		return "This order has been refunded already."
	case aftersale.OrderCancelled:
		return "This order was cancelled, so there is nothing to send back."
	}
	if w := s.Policy().WindowDays; w > 0 && s.cfg.Clock.VirtualNow().Sub(s.cfg.Clock.ToVirtual(o.PlacedAt)) > time.Duration(w)*24*time.Hour {
		return fmt.Sprintf("This order is past our %d-day return window. Reply to any of our emails and we'll see what we can do.", w)
	}
	return ""
}

// StartReturn records the return the customer chose on the page the token
// opened, and starts the return journey at once (the confirmation email
// with the instructions goes out). A resubmitted form (the same Key) gives
// the same return.
func (s *Service) StartReturn(ctx context.Context, token string, in Input) (*View, error) {
	ref, err := s.cfg.Links.Verify(aftersale.LinkReturn, token)
	if err != nil {
		return nil, err
	}
	o, err := s.cfg.Store.OrderGetByExternalID(ctx, ref)
	if err != nil {
		return nil, err
	}
	if why := s.returnable(o); why != "" {
		return nil, aftersale.Errorf(aftersale.EINVALID, "%s", why)
	}
	key := strings.TrimSpace(in.Key)
	if len(key) < 8 || len(key) > 64 {
		return nil, aftersale.Errorf(aftersale.EINVALID, "the form is incomplete; reload the page and try again")
	}
	// The same form again is the same return, whatever is left now.
	evID := "return-page-" + o.ExternalID + "-" + key
	if r, err := s.cfg.Store.ReturnGetByEventID(ctx, evID); err == nil {
		return s.loadView(ctx, r)
	} else if !aftersale.IsNotFound(err) {
		return nil, err
	}
	var chosen []aftersale.ReturnItem
	for _, it := range in.Items {
		if it.Quantity > 0 {
			chosen = append(chosen, aftersale.ReturnItem{SKU: it.SKU, Quantity: it.Quantity})
		}
	}
	if len(chosen) == 0 {
		return nil, aftersale.Errorf(aftersale.EINVALID, "Choose at least one item to send back.")
	}
	earlier, err := s.cfg.Store.ReturnList(ctx, aftersale.ReturnFilter{OrderID: o.ID})
	if err != nil {
		return nil, err
	}
	earlier = slices.DeleteFunc(earlier, func(r *aftersale.Return) bool { return r.EventID == evID }) // the same form again
	items, err := o.BoundReturn(&aftersale.ReturnFacts{Items: chosen}, earlier)
	if err != nil {
		return nil, pageError(err)
	}
	if !slices.Contains(s.Policy().Reasons, in.Reason) {
		return nil, aftersale.Errorf(aftersale.EINVALID, "Choose a reason from the list.")
	}
	ev := &aftersale.Event{
		ID: evID, Type: aftersale.EventReturnRequested, OccurredAt: s.cfg.Clock.RealNow(), Source: "page",
		Return: &aftersale.ReturnFacts{OrderID: o.ExternalID, Reason: in.Reason, Items: items, Resolution: in.Resolution, Comment: strings.TrimSpace(in.Comment)},
	}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	// Through the door like a return from outside, so that the returns
	// accepted and waiting in the inbox count, and a return posted at the
	// same time sees this one; then applied at once, ahead of them, which
	// leaves them what they were accepted for (its items are named). A
	// refusal, at the door or when applied, is the customer's answer.
	if err := s.cfg.Pipeline.ApplyNow(ctx, ev); err != nil {
		return nil, pageError(err)
	}
	r, err := s.cfg.Store.ReturnGetByEventID(ctx, ev.ID)
	if aftersale.IsNotFound(err) {
		return nil, aftersale.ErrAllReturned // another return took the units first
	} else if err != nil {
		return nil, err
	}
	return s.loadView(ctx, r)
}

// pageError is err without the field name, for a customer's page: "Only 1
// more of Shoes can be sent back", not "return.items[0].quantity: ...".
func pageError(err error) error {
	var e *aftersale.Error
	if errors.As(err, &e) && e.Field != "" {
		return aftersale.Errorf(e.Code, "%s", e.Message)
	}
	return err
}
