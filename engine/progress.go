package engine

import (
	"context"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
)

// loadProgress loads the facts of the customer's progress that the
// conditions stage, engaged, satisfied and survey_score read: whether a
// human touch for the order happened (a task of the order completed with
// an outcome other than no_answer, wrong_number or skipped), the latest
// recommendation score for the order, and how many of the buyer's orders
// were kept.
func loadProgress(ctx context.Context, q aftersale.Queries, f *journey.Facts) error {
	o := f.Order
	tasks, err := q.TaskList(ctx, aftersale.TaskFilter{CustomerID: o.CustomerID, Status: aftersale.TaskDone})
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.OrderID == o.ID && t.Touched() {
			f.Engaged = true
		}
	}
	nps, err := q.SurveyAnswerList(ctx, aftersale.AnswerFilter{OrderID: o.ID, Kind: aftersale.AnswerNPS})
	if err != nil {
		return err
	}
	if len(nps) > 0 { // oldest first: the latest score wins
		v := nps[len(nps)-1].Value
		f.SurveyScore = &v
	}
	orders, err := q.OrderListByCustomer(ctx, o.CustomerID)
	if err != nil {
		return err
	}
	f.KeptOrders = 0
	for _, x := range orders {
		if x.Status == aftersale.OrderPlaced {
			f.KeptOrders++
		}
	}
	return nil
}
