package returns

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
)

// Door is the door of returns: set as engine.Config.ReturnDoor, it
// refuses a return.requested event that asks for more than is left of
// its order before the event is stored (see CheckReturn). It needs
// nothing: the engine gives it what it reads.
type Door struct{}

var _ engine.ReturnDoor = Door{}

// CheckReturn refuses, at the door, a return.requested event ev (to be
// stored as se) that asks for more than is left of its order (see
// aftersale.Order.BoundReturn) once the returns recorded and the returns
// accepted but still waiting in the inbox (pending, every order's) are
// counted: EINVALID naming the field, or ECONFLICT when everything on the
// order is being returned already. It runs under the lock of the order's
// returns (aftersale.Store.InboxAppendReturn), so two returns posted at
// once are checked one after the other, and it moves se behind the
// order's pending returns, so that they are applied in the order they
// were accepted. An event about an order not known yet passes: the
// engine bounds it when it is applied, and sets it aside if it asks for
// too much then.
func (Door) CheckReturn(ctx context.Context, q aftersale.Queries, ev *aftersale.Event, se *aftersale.StoredEvent, pending []*aftersale.StoredEvent) error {
	ref := ev.OrderRef()
	var ahead []*aftersale.Event
	for _, p := range pending {
		var pe aftersale.Event
		if p.ID == ev.ID || json.Unmarshal(p.Payload, &pe) != nil || pe.Return == nil || pe.History || pe.OrderRef() != ref {
			continue // one that does not decode is set aside when applied
		}
		ahead = append(ahead, &pe)
		if last := p.ReceivedAt.Truncate(time.Microsecond); !se.ReceivedAt.Truncate(time.Microsecond).After(last) {
			se.ReceivedAt = last.Add(time.Microsecond) // stored times keep microseconds
		}
	}
	o, err := q.OrderGetByExternalID(ctx, ref)
	if aftersale.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	earlier, err := q.ReturnList(ctx, aftersale.ReturnFilter{OrderID: o.ID})
	if err != nil {
		return err
	}
	earlier = slices.DeleteFunc(earlier, func(r *aftersale.Return) bool { return r.EventID == ev.ID }) // the same form again
	_, err = o.BoundReturn(ev.Return, returnsAhead(o, earlier, ahead))
	return err
}

// returnsAhead is the returns of the order once the pending return events
// are applied, in their order, after the returns recorded: each bounded
// as the engine bounds it when it is applied (one that asks for too much
// takes nothing: it will be set aside). A pending event already
// recorded, applied since it was read, counts once.
func returnsAhead(o *aftersale.Order, recorded []*aftersale.Return, pending []*aftersale.Event) []*aftersale.Return {
	out := slices.Clone(recorded)
	for _, pe := range pending {
		if slices.ContainsFunc(recorded, func(r *aftersale.Return) bool { return r.EventID == pe.ID }) {
			continue
		}
		items, err := o.BoundReturn(pe.Return, out)
		if err != nil {
			continue
		}
		out = append(out, &aftersale.Return{OrderID: o.ID, EventID: pe.ID, Status: aftersale.ReturnRequested, Items: items})
	}
	return out
}
