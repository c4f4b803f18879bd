package engine

import (
	"context"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// member stores a team member as package team would (the engine reads
// members from the store, for assignment and digests, and does not add
// them), with a hash that no password matches.
func (h *harness) member(t *testing.T, email, name string, role aftersale.Role) *aftersale.Member {
	t.Helper()
	m, err := h.st.MemberCreate(context.Background(), &aftersale.Member{
		Email: email, Name: name, Role: role, PasswordHash: "not a hash", CreatedAt: h.clock.RealNow(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRoundRobinSkipsDeactivated: the round robin of a role gives no task
// to a deactivated member (the role's queue gets it when no one else is
// there) and gives them tasks again once they are active, on both
// databases.
func TestRoundRobinSkipsDeactivated(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.svc
		ada := h.member(t, "ada@shop.example", "Ada", aftersale.RoleAssistant)
		if got, err := s.assign(ctx, "round_robin:assistant", nil); err != nil || got != "ada@shop.example" {
			t.Fatalf("round robin with one active assistant: %q, %v", got, err)
		}
		ada.DeactivatedAt = h.clock.RealNow()
		if err := h.st.MemberUpdate(ctx, ada); err != nil {
			t.Fatal(err)
		}
		if got, err := s.assign(ctx, "round_robin:assistant", nil); err != nil || got != "assistant" {
			t.Errorf("round robin with only a deactivated assistant: %q, %v; want the role's queue", got, err)
		}
		ada.DeactivatedAt = time.Time{}
		if err := h.st.MemberUpdate(ctx, ada); err != nil {
			t.Fatal(err)
		}
		if got, err := s.assign(ctx, "round_robin:assistant", nil); err != nil || got != "ada@shop.example" {
			t.Errorf("round robin with a reactivated assistant: %q, %v", got, err)
		}
	})
}
