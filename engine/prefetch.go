package engine

import (
	"context"
	"time"

	"github.com/aftersale/aftersale"
)

// jobData is what the steps of one job start from, read with one query per
// kind for all of them instead of one per step: the steps, their runs,
// orders (with items), buyers and users, packages and sessions, and the
// messages already recorded for their recipients. Sending a due email had
// cost about eight reads; on SQLite's one connection at a time and on
// PostgreSQL's round trips those reads were a third of the work (see
// bench/README.md). It is read inside the erase gate, which is held until
// the steps run on it are recorded (see ExecuteSteps), so an erase never
// falls between the read and a send; and it is read again for the steps
// still to run once it is older than jobDataMaxAge, so a refund or a
// journey's exit is honoured within about that time (when each step read
// its own, within milliseconds; either way the event itself is applied
// asynchronously, from the inbox). The recipients of an email are read
// again right before it is sent (refreshCustomers), so an unsubscribe or
// an erase is honoured at once.
type jobData struct {
	readAt    time.Time
	steps     map[int64]*aftersale.Step
	runs      map[int64]*aftersale.JourneyRun
	orders    map[int64]*aftersale.Order
	customers map[int64]*aftersale.Customer
	shipments map[int64][]*aftersale.ShipmentRecord
	bookings  map[int64][]*aftersale.BookingRecord
	// messages holds the recorded messages by Message-ID; asked says which
	// Message-IDs were looked up, so that one not in messages is known to
	// have no record.
	messages map[string]*aftersale.Message
	asked    map[string]bool
}

// jobDataMaxAge is how long a job's data is used before it is read again:
// a job of 16 emails takes well under a second when the SMTP server is
// quick (plus up to jobBucket waiting for its steps' due times), and up to
// its 30 s timeout when it is slow.
const jobDataMaxAge = time.Second

// prefetch reads the job data of the steps with the IDs.
func (s *Service) prefetch(ctx context.Context, ids []int64) (*jobData, error) {
	st := s.cfg.Store
	d := &jobData{
		readAt: time.Now(), // an age of data in processing time, not the journey clock
		steps:  map[int64]*aftersale.Step{}, runs: map[int64]*aftersale.JourneyRun{}, orders: map[int64]*aftersale.Order{},
		customers: map[int64]*aftersale.Customer{}, shipments: map[int64][]*aftersale.ShipmentRecord{},
		bookings: map[int64][]*aftersale.BookingRecord{}, messages: map[string]*aftersale.Message{}, asked: map[string]bool{},
	}
	steps, err := st.StepGetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	var runIDs, orderIDs []int64
	for _, step := range steps {
		if step.Status != aftersale.StepPending {
			continue // passed over by executeStep: nothing more to read
		}
		d.steps[step.ID] = step
		runIDs = append(runIDs, step.RunID)
		orderIDs = append(orderIDs, step.OrderID)
	}
	if len(d.steps) == 0 {
		return d, nil
	}
	runs, err := st.RunGetMany(ctx, unique(runIDs))
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		d.runs[r.ID] = r
	}
	orders, err := st.OrderGetMany(ctx, unique(orderIDs))
	if err != nil {
		return nil, err
	}
	var customerIDs []int64
	orderIDs = orderIDs[:0]
	for _, o := range orders {
		d.orders[o.ID] = o
		orderIDs = append(orderIDs, o.ID)
		customerIDs = append(customerIDs, o.CustomerID)
		if o.UserID != 0 {
			customerIDs = append(customerIDs, o.UserID)
		}
	}
	customers, err := st.CustomerGetMany(ctx, unique(customerIDs))
	if err != nil {
		return nil, err
	}
	for _, c := range customers {
		d.customers[c.ID] = c
	}
	shipments, err := st.ShipmentListByOrders(ctx, orderIDs)
	if err != nil {
		return nil, err
	}
	for _, sh := range shipments {
		d.shipments[sh.OrderID] = append(d.shipments[sh.OrderID], sh)
	}
	bookings, err := st.BookingListByOrders(ctx, orderIDs)
	if err != nil {
		return nil, err
	}
	for _, b := range bookings {
		d.bookings[b.OrderID] = append(d.bookings[b.OrderID], b)
	}
	// The Message-IDs the steps' emails would carry, to buyer and user.
	var msgIDs []string
	for _, step := range d.steps {
		o := d.orders[step.OrderID]
		if o == nil {
			continue
		}
		for _, id := range []int64{o.CustomerID, o.UserID} {
			if c := d.customers[id]; c != nil {
				mid := s.messageID(step, o, c.Email)
				if !d.asked[mid] {
					d.asked[mid] = true
					msgIDs = append(msgIDs, mid)
				}
			}
		}
	}
	msgs, err := st.MessageListByMessageIDs(ctx, msgIDs)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		// Several records can share a Message-ID only for mail sent
		// without a step; MessageGetByMessageID gives the first.
		if prev, ok := d.messages[m.MessageID]; !ok || m.ID < prev.ID {
			d.messages[m.MessageID] = m
		}
	}
	return d, nil
}

// unique returns ids without repeats (and without zeros), in first-seen
// order.
func unique(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// jobDataKey carries a job's data in the context of its steps, down to
// the message lookup of each email (see recordedMessage).
type jobDataKey struct{}

// recordedMessage returns the stored message with the Message-ID:
// from the job's data when it looked the ID up, else from the store.
func (s *Service) recordedMessage(ctx context.Context, messageID string) (*aftersale.Message, error) {
	if d, ok := ctx.Value(jobDataKey{}).(*jobData); ok && d.asked[messageID] {
		if m, ok := d.messages[messageID]; ok {
			return m, nil
		}
		return nil, aftersale.Errorf(aftersale.ENOTFOUND, "message %s not found", messageID)
	}
	return s.cfg.Store.MessageGetByMessageID(ctx, messageID)
}

// refreshCustomers reads the buyer and the user of the order again, into d.
func (s *Service) refreshCustomers(ctx context.Context, d *jobData, o *aftersale.Order) error {
	ids := []int64{o.CustomerID}
	if o.UserID != 0 && o.UserID != o.CustomerID {
		ids = append(ids, o.UserID)
	}
	cs, err := s.cfg.Store.CustomerGetMany(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		delete(d.customers, id) // gone since: not found, as before
	}
	for _, c := range cs {
		d.customers[c.ID] = c
	}
	return nil
}
