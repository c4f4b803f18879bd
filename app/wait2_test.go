package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/team"
)

// taskTitled returns the customer's open task whose title begins with
// prefix, or a zero TaskView.
func taskTitled(t testing.TB, b *bundle, customer, prefix string) team.TaskView {
	t.Helper()
	tasks, err := b.app.Team().Tasks(context.Background(), "open", customer)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if strings.HasPrefix(tk.Title, prefix) {
			return tk
		}
	}
	return team.TaskView{}
}
