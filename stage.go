package aftersale

// CustomerStage places a customer on the way from transaction to customer:
// purchased → onboarded (access, delivery or a session happened) → engaged
// (a human touch was completed) → satisfied (a good survey: a latest
// recommendation of 9 or 10) → loyal (a second purchase kept). A customer
// whose every order was refunded or cancelled is "refunded"; one with no
// order of their own is a "contact". The orders are the customer's (as
// buyer or user), the tasks and answers theirs, answers oldest first.
func CustomerStage(orders []*Order, tasks []*Task, answers []*SurveyAnswer, customerID int64) string {
	satisfied := false
	for _, a := range answers { // oldest first: the latest score wins
		if a.Kind == AnswerNPS {
			satisfied = a.Value >= 9
		}
	}
	var kept, onboarded int
	for _, o := range orders {
		if o.Status != OrderPlaced {
			continue
		}
		if o.CustomerID == customerID || o.UserID == customerID {
			kept++
		}
		if !o.AccessedAt.IsZero() || !o.DeliveredAt.IsZero() {
			onboarded++
		}
	}
	engaged := false
	for _, t := range tasks {
		engaged = engaged || t.Touched()
	}
	switch {
	case len(orders) == 0:
		return "contact"
	case kept == 0:
		return "refunded"
	case kept >= 2:
		return "loyal"
	case satisfied:
		return "satisfied"
	case engaged:
		return "engaged"
	case onboarded > 0:
		return "onboarded"
	}
	return "purchased"
}
