package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// TaskView is a task as the engine's tests read it: the stored task with
// its customer's email, name and phone (package team's TaskView is the
// one the team sees).
type TaskView struct {
	ID                             int64
	Kind, Customer, Name, Phone    string
	Order, OrderNumber             string
	Title, Script, Draft, Assignee string
	Status, Outcome, Note          string
	DueAt, CreatedAt               time.Time
}

// listTasks reads the tasks of status ("" for all) of the customer addr
// ("" for everyone) from q.
func listTasks(t *testing.T, q aftersale.Queries, status, addr string) []TaskView {
	t.Helper()
	ctx := context.Background()
	f := aftersale.TaskFilter{Status: aftersale.TaskStatus(status)}
	if addr != "" {
		c, err := q.CustomerGetByEmail(ctx, strings.ToLower(addr))
		if aftersale.IsNotFound(err) {
			return nil
		} else if err != nil {
			t.Fatal(err)
		}
		f.CustomerID = c.ID
	}
	tasks, err := q.TaskList(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]TaskView, 0, len(tasks))
	for _, tk := range tasks {
		c, err := q.CustomerGet(ctx, tk.CustomerID)
		if err != nil {
			t.Fatal(err)
		}
		v := TaskView{ID: tk.ID, Kind: string(tk.Kind), Customer: c.Email, Name: c.Name, Phone: c.Phone,
			Title: tk.Title, Script: tk.Script, Draft: tk.Draft, Assignee: tk.Assignee,
			Status: string(tk.Status), Outcome: tk.Outcome, Note: tk.Note, DueAt: tk.DueAt, CreatedAt: tk.CreatedAt}
		if tk.OrderID != 0 {
			o, err := q.OrderGet(ctx, tk.OrderID)
			if err != nil {
				t.Fatal(err)
			}
			v.Order, v.OrderNumber = o.ExternalID, o.Number
		}
		out = append(out, v)
	}
	return out
}
