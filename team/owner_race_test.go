package team_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/team"
)

// ownerRaceRounds is how many times TestOwnersDeactivatingEachOther runs
// its race: without the lock on the owners, PostgreSQL let both
// deactivations through in 60 to 90 rounds of 100, and in one of the first
// five rounds of every run.
const ownerRaceRounds = 100

// meetingStore is a store whose Update transactions, while meet is set,
// each wait at their start until the other one has started too, so that
// their statements run side by side. Only PostgreSQL runs two write
// transactions at once; SQLite's second waits at BEGIN for the first.
type meetingStore struct {
	aftersale.Store
	meet atomic.Pointer[sync.WaitGroup]
}

func (s *meetingStore) Update(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error {
	return s.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if wg := s.meet.Load(); wg != nil {
			wg.Done()
			wg.Wait()
		}
		return fn(ctx, tx)
	})
}

// TestOwnersDeactivatingEachOther: the only two owners deactivate (even
// rounds) or demote (odd rounds) each other at the same moment, round
// after round. Every time one of them wins
// and the other is refused (ECONFLICT), so that an active owner remains,
// on both databases. On PostgreSQL the two transactions also meet at their
// start (meetingStore).
func TestOwnersDeactivatingEachOther(t *testing.T) {
	for _, db := range databases {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			ms := &meetingStore{Store: openStore(t, db)}
			s := newTeam(t, ms)
			var owners [2]int64
			for i, email := range []string{"olga@shop.example", "omar@shop.example"} {
				owners[i] = add(t, s, team.NewMember{Email: email, Role: aftersale.RoleOwner, Password: "owner password 1"}).ID
			}
			for round := range ownerRaceRounds {
				demote := round%2 == 1 // odd rounds demote, even ones deactivate
				start := make(chan struct{})
				var errs [2]error
				if db == "postgres" {
					var meet sync.WaitGroup
					meet.Add(2)
					ms.meet.Store(&meet)
				}
				var wg sync.WaitGroup
				for i := range owners {
					other := owners[1-i] // owner i deactivates the other one
					wg.Go(func() {
						<-start
						if demote {
							errs[i] = s.UpdateMember(ctx, other, "", aftersale.RoleAssistant, "")
						} else {
							_, errs[i] = s.SetMemberActive(ctx, other, false)
						}
					})
				}
				close(start)
				wg.Wait()
				ms.meet.Store(nil)

				active := activeOwners(t, s)
				if len(active) == 0 {
					t.Fatalf("round %d (demote %v): both changes went through (%v, %v): no active owner is left", round, demote, errs[0], errs[1])
				}
				refused := 0
				for _, err := range errs {
					switch {
					case err == nil:
					case aftersale.ErrorCode(err) == aftersale.ECONFLICT:
						refused++
					default:
						t.Fatalf("round %d: %v", round, err)
					}
				}
				if refused != 1 || len(active) != 1 {
					t.Fatalf("round %d: %d refused and %d active owners (%v, %v), want one of each",
						round, refused, len(active), errs[0], errs[1])
				}
				for _, id := range owners {
					if _, err := s.SetMemberActive(ctx, id, true); err != nil {
						t.Fatal(err)
					}
					if err := s.UpdateMember(ctx, id, "", aftersale.RoleOwner, ""); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}

// activeOwners returns the IDs of the team's active owners.
func activeOwners(t *testing.T, s *team.Service) []int64 {
	t.Helper()
	list, err := s.Members(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, m := range list {
		if m.Role == string(aftersale.RoleOwner) && m.Active {
			ids = append(ids, m.ID)
		}
	}
	return ids
}
