package engine

// Creating tasks: the pipeline's part of the task queue (the task steps,
// handleTask and taskFor, and the owner's calls of shipping care). Listing
// and completing tasks, personal emails and the overdue digest are the
// team's (package team).

import (
	"context"
	"strings"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
)

// oneBusinessDay is when a task step's task is due unless the journey
// says.
var oneBusinessDay = mustDelay("1bd")

func mustDelay(s string) journey.Delay {
	d, err := journey.ParseDelay(s)
	if err != nil {
		panic(err)
	}
	return d
}

// firstName is the first word of the customer's name, or their email.
func firstName(c *aftersale.Customer) string {
	if f := strings.Fields(c.Name); len(f) > 0 {
		return f[0]
	}
	return c.Email
}

// assign resolves a task step's assignee (see journey.AssignRoundRobin and
// journey.AssignServed) to a role or a member's email.
func (s *Service) assign(ctx context.Context, assignee string, o *aftersale.Order) (string, error) {
	switch {
	case assignee == "":
		return journey.RoleOwner, nil
	case assignee == journey.AssignServed:
		tasks, err := s.cfg.Store.TaskList(ctx, aftersale.TaskFilter{CustomerID: o.CustomerID, Status: aftersale.TaskDone})
		if err != nil {
			return "", err
		}
		var last *aftersale.Task
		for _, t := range tasks {
			if t.OrderID == o.ID && t.DoneBy != "" && (last == nil || t.DoneAt.After(last.DoneAt)) {
				last = t
			}
		}
		if last != nil {
			return last.DoneBy, nil
		}
		return journey.RoleOwner, nil
	case assignee == journey.AssignRoundRobin || strings.HasPrefix(assignee, journey.AssignRoundRobin+":"):
		role := strings.TrimPrefix(strings.TrimPrefix(assignee, journey.AssignRoundRobin), ":")
		if role == "" {
			role = journey.RoleAssistant
		}
		members, err := s.cfg.Store.MemberList(ctx)
		if err != nil {
			return "", err
		}
		load := map[string]int{}
		var pool []string
		for _, m := range members {
			if string(m.Role) == role && m.Active() { // a deactivated member gets no tasks
				pool = append(pool, strings.ToLower(m.Email))
				load[strings.ToLower(m.Email)] = 0
			}
		}
		if len(pool) == 0 {
			return role, nil // nobody has the role yet: the role's queue
		}
		open, err := s.cfg.Store.TaskList(ctx, aftersale.TaskFilter{Status: aftersale.TaskOpen, Limit: 100_000})
		if err != nil {
			return "", err
		}
		for _, t := range open {
			if _, ok := load[strings.ToLower(t.Assignee)]; ok {
				load[strings.ToLower(t.Assignee)]++
			}
		}
		best := pool[0] // oldest member first on a tie
		for _, e := range pool[1:] {
			if load[e] < load[best] {
				best = e
			}
		}
		return best, nil
	}
	return assignee, nil
}

// ownerCall creates a call task for the owner, due now, about an order,
// unless the order has an open task whose title starts with prefix (so a
// repeated signal makes one call, not many). It reports whether it made one.
func (s *Service) ownerCall(ctx context.Context, q aftersale.Queries, orderID, customerID int64, prefix, title, script string) (bool, error) {
	open, err := q.TaskList(ctx, aftersale.TaskFilter{CustomerID: customerID, Status: aftersale.TaskOpen})
	if err != nil {
		return false, err
	}
	for _, t := range open {
		if t.OrderID == orderID && strings.HasPrefix(t.Title, prefix) {
			return false, nil
		}
	}
	now := s.cfg.Clock.RealNow()
	if _, err := q.TaskCreate(ctx, &aftersale.Task{
		CustomerID: customerID, OrderID: orderID, Kind: aftersale.TaskCall, Title: title, Script: script,
		Assignee: journey.RoleOwner, Status: aftersale.TaskOpen, DueAt: now, CreatedAt: now,
	}); err != nil {
		return false, err
	}
	if m := s.cfg.Metrics; m != nil {
		m.TasksCreated.WithLabelValues(string(aftersale.TaskCall)).Inc()
	}
	return true, nil
}
