package aftersale

import "context"

// OrderGetter reads an order by its ID; OrderQueries (so Store and Tx)
// has it.
type OrderGetter interface {
	OrderGet(ctx context.Context, id int64) (*Order, error)
}

// OrderRefs returns a function that names an order by the shop's id
// (ExternalID): the orders given at once, others (a task about someone
// else's order, the order of another customer that used a code) looked up
// with q and remembered; "" for 0 or an order that cannot be read. The
// function is for one goroutine.
func OrderRefs(ctx context.Context, q OrderGetter, orders []*Order) func(id int64) string {
	refs := make(map[int64]string, len(orders))
	for _, o := range orders {
		refs[o.ID] = o.ExternalID
	}
	return func(id int64) string {
		if id == 0 {
			return ""
		}
		if ref, ok := refs[id]; ok {
			return ref
		}
		if o, err := q.OrderGet(ctx, id); err == nil {
			refs[id] = o.ExternalID
			return o.ExternalID
		}
		return ""
	}
}
