package features

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

func testStories(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	late := func(h int) time.Time { return insidersLate.Add(time.Duration(h) * time.Hour) }
	east := time.FixedZone("UTC+5", 5*60*60)

	// A new story; a zero UpdatedAt is its creation time.
	in := &aftersale.Story{Title: "How Ann got on", Body: "She *loved* it \u00e9", Match: "kind:course",
		Permission: true, CreatedAt: late(0).In(east)}
	a, err := s.StorySave(ctx, in)
	fixture.Ok(t, err)
	if a.ID == 0 {
		t.Fatal("StorySave of a new story: ID 0")
	}
	wantA := &aftersale.Story{ID: a.ID, Title: "How Ann got on", Body: "She *loved* it \u00e9", Match: "kind:course",
		Permission: true, CreatedAt: late(0), UpdatedAt: late(0)}
	fixture.Same(t, "StorySave (new)", a, wantA)
	got, err := s.StoryGet(ctx, a.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "StoryGet", got, wantA)

	b, err := s.StorySave(ctx, &aftersale.Story{Title: "Bob", Body: "Fine.", Match: "SKU-1", CreatedAt: late(1),
		UpdatedAt: late(2)})
	fixture.Ok(t, err)
	wantB := &aftersale.Story{ID: b.ID, Title: "Bob", Body: "Fine.", Match: "SKU-1", CreatedAt: late(1), UpdatedAt: late(2)}
	fixture.Same(t, "StorySave (new, without permission)", b, wantB)
	c, err := s.StorySave(ctx, &aftersale.Story{Title: "Carl", CreatedAt: late(1)})
	fixture.Ok(t, err)
	wantC := &aftersale.Story{ID: c.ID, Title: "Carl", CreatedAt: late(1), UpdatedAt: late(1)}
	fixture.Same(t, "StorySave (new, bare)", c, wantC)

	// Newest first, then by ID.
	list, err := s.StoryList(ctx)
	fixture.Ok(t, err)
	if len(list) < 3 {
		t.Fatalf("StoryList: %d stories", len(list))
	}
	fixture.Same(t, "StoryList (its start)", list[:3], []*aftersale.Story{wantC, wantB, wantA})

	// Replacing a story keeps its creation time, and its update time when
	// none is given.
	upd, err := s.StorySave(ctx, &aftersale.Story{ID: b.ID, Title: "Bob, again", Body: "Better.", Match: "",
		Permission: true, CreatedAt: late(9), UpdatedAt: late(3)})
	fixture.Ok(t, err)
	wantB = &aftersale.Story{ID: b.ID, Title: "Bob, again", Body: "Better.", Permission: true, CreatedAt: late(1),
		UpdatedAt: late(3)}
	fixture.Same(t, "StorySave (replace)", upd, wantB)
	upd, err = s.StorySave(ctx, &aftersale.Story{ID: a.ID, Title: "Ann", Body: wantA.Body, Match: wantA.Match})
	fixture.Ok(t, err)
	wantA.Title, wantA.Permission = "Ann", false
	fixture.Same(t, "StorySave (replace, no time, permission withdrawn)", upd, wantA)
	got, err = s.StoryGet(ctx, b.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "StoryGet after StorySave", got, wantB)
	got, err = s.StoryGet(ctx, a.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "StoryGet after StorySave without a time", got, wantA)

	_, err = s.StorySave(ctx, &aftersale.Story{ID: c.ID + 1000, Title: "Nobody", CreatedAt: late(4)})
	fixture.WantCode(t, "StorySave of a missing story", err, aftersale.ENOTFOUND)
	_, err = s.StorySave(ctx, &aftersale.Story{Title: " ", CreatedAt: late(4)})
	fixture.WantCode(t, "StorySave without a title", err, aftersale.EINVALID)
	_, err = s.StoryGet(ctx, c.ID+1000)
	fixture.WantCode(t, "StoryGet of a missing story", err, aftersale.ENOTFOUND)

	// Deleting.
	fixture.Ok(t, s.StoryDelete(ctx, c.ID))
	_, err = s.StoryGet(ctx, c.ID)
	fixture.WantCode(t, "StoryGet of a deleted story", err, aftersale.ENOTFOUND)
	fixture.WantCode(t, "StoryDelete again", s.StoryDelete(ctx, c.ID), aftersale.ENOTFOUND)
	list, err = s.StoryList(ctx)
	fixture.Ok(t, err)
	fixture.Same(t, "StoryList after StoryDelete (its start)", list[:2], []*aftersale.Story{wantB, wantA})
	for _, st := range list {
		if st.ID == c.ID {
			t.Fatal("StoryList has the deleted story")
		}
	}

	// In a transaction too, seeing its own writes.
	var inTx *aftersale.Story
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		st, err := tx.StorySave(ctx, &aftersale.Story{Title: "Dana", Permission: true, CreatedAt: late(5)})
		if err != nil {
			return err
		}
		if err := tx.StoryDelete(ctx, a.ID); err != nil {
			return err
		}
		list, err := tx.StoryList(ctx)
		if err != nil {
			return err
		}
		if len(list) < 2 || list[0].ID != st.ID || list[1].ID != b.ID {
			t.Errorf("StoryList in a transaction: %s", fixture.Show(list))
		}
		inTx, err = tx.StoryGet(ctx, st.ID)
		return err
	}))
	got, err = s.StoryGet(ctx, inTx.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "story saved in a transaction", got, inTx)
	_, err = s.StoryGet(ctx, a.ID)
	fixture.WantCode(t, "StoryGet of a story deleted in a transaction", err, aftersale.ENOTFOUND)
}

func testStorySends(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann.story@example.com")
	bob := fixture.NewCustomer(t, s, "bob.story@example.com")
	carl := fixture.NewCustomer(t, s, "carl.story@example.com")
	var stories []*aftersale.Story
	for i := range 3 {
		st, err := s.StorySave(ctx, &aftersale.Story{Title: fmt.Sprintf("Story %d", i), Permission: true, CreatedAt: fixture.T0})
		fixture.Ok(t, err)
		stories = append(stories, st)
	}
	s1, s2, s3 := stories[0], stories[1], stories[2]
	sentTo := func(c *aftersale.Customer, want ...int64) {
		t.Helper()
		got, err := s.StorySentTo(ctx, c.ID)
		fixture.Ok(t, err)
		if len(got) == 0 && len(want) == 0 {
			return
		}
		fixture.Same(t, "StorySentTo "+c.Email, got, want)
	}
	sentTo(ann)

	fixture.Ok(t, s.StoryMarkSent(ctx, ann.ID, s2.ID, fixture.At(time.Hour)))
	fixture.Ok(t, s.StoryMarkSent(ctx, ann.ID, s1.ID, fixture.At(2*time.Hour)))
	fixture.Ok(t, s.StoryMarkSent(ctx, ann.ID, s2.ID, fixture.At(3*time.Hour))) // again: no error
	fixture.Ok(t, s.StoryMarkSent(ctx, bob.ID, s1.ID, fixture.At(3*time.Hour)))
	sentTo(ann, s1.ID, s2.ID)
	sentTo(bob, s1.ID)
	sentTo(carl)
	fixture.WantCode(t, "StoryMarkSent of a missing story", s.StoryMarkSent(ctx, carl.ID, s3.ID+1000, fixture.At(4*time.Hour)), aftersale.ENOTFOUND)
	sentTo(carl)

	// A deleted story is no longer recorded as sent.
	fixture.Ok(t, s.StoryDelete(ctx, s1.ID))
	sentTo(ann, s2.ID)
	sentTo(bob)

	// In a transaction too, seeing its own writes; neither a repeat nor a
	// missing story fails it.
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if err := tx.StoryMarkSent(ctx, carl.ID, s3.ID, fixture.At(5*time.Hour)); err != nil {
			return err
		}
		if err := tx.StoryMarkSent(ctx, carl.ID, s3.ID, fixture.At(6*time.Hour)); err != nil {
			return err
		}
		err := tx.StoryMarkSent(ctx, carl.ID, s1.ID, fixture.At(6*time.Hour))
		if aftersale.ErrorCode(err) != aftersale.ENOTFOUND {
			t.Errorf("StoryMarkSent of a deleted story in a transaction: %v, want ENOTFOUND", err)
		}
		ids, err := tx.StorySentTo(ctx, carl.ID)
		if err != nil {
			return err
		}
		if len(ids) != 1 || ids[0] != s3.ID {
			t.Errorf("StorySentTo in a transaction: %v", ids)
		}
		return nil
	}))
	sentTo(carl, s3.ID)
	sentTo(ann, s2.ID)
}
