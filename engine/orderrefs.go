package engine

import (
	"context"

	"github.com/aftersale/aftersale"
)

// orderRefs returns a function that names an order by the shop's id: the
// orders given at once, others (a task about someone else's order, say)
// looked up and remembered; "" for 0 or an order that cannot be read.
func (s *Service) orderRefs(ctx context.Context, orders []*aftersale.Order) func(id int64) string {
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
		if o, err := s.cfg.Store.OrderGet(ctx, id); err == nil {
			refs[id] = o.ExternalID
			return o.ExternalID
		}
		return ""
	}
}
