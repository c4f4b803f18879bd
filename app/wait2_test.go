package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/engine"
)

// taskTitled returns the customer's open task whose title begins with
// prefix, or a zero TaskView.
func taskTitled(t testing.TB, b *bundle, customer, prefix string) engine.TaskView {
	t.Helper()
	tasks, err := b.app.Service().Tasks(context.Background(), "open", customer)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if strings.HasPrefix(tk.Title, prefix) {
			return tk
		}
	}
	return engine.TaskView{}
}
