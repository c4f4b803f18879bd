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

// ownerCall is aftersale.OwnerCall at the clock's now, counted in the
// metrics when it made a call.
func (s *Service) ownerCall(ctx context.Context, q aftersale.TaskWriter, orderID, customerID int64, prefix, title, script string) (bool, error) {
	made, err := aftersale.OwnerCall(ctx, q, s.cfg.Clock.RealNow(), orderID, customerID, prefix, title, script)
	if m := s.cfg.Metrics; made && m != nil {
		m.TasksCreated.WithLabelValues(string(aftersale.TaskCall)).Inc()
	}
	return made, err
}
