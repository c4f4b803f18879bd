package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

func testStories(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	late := func(h int) time.Time { return insidersLate.Add(time.Duration(h) * time.Hour) }
	east := time.FixedZone("UTC+5", 5*60*60)

	// A new story; a zero UpdatedAt is its creation time.
	in := &aftersale.Story{Title: "How Ann got on", Body: "She *loved* it \u00e9", Match: "kind:course",
		Permission: true, CreatedAt: late(0).In(east)}
	a, err := s.StorySave(ctx, in)
	ok(t, err)
	if a.ID == 0 {
		t.Fatal("StorySave of a new story: ID 0")
	}
	wantA := &aftersale.Story{ID: a.ID, Title: "How Ann got on", Body: "She *loved* it \u00e9", Match: "kind:course",
		Permission: true, CreatedAt: late(0), UpdatedAt: late(0)}
	same(t, "StorySave (new)", a, wantA)
	got, err := s.StoryGet(ctx, a.ID)
	ok(t, err)
	same(t, "StoryGet", got, wantA)

	b, err := s.StorySave(ctx, &aftersale.Story{Title: "Bob", Body: "Fine.", Match: "SKU-1", CreatedAt: late(1),
		UpdatedAt: late(2)})
	ok(t, err)
	wantB := &aftersale.Story{ID: b.ID, Title: "Bob", Body: "Fine.", Match: "SKU-1", CreatedAt: late(1), UpdatedAt: late(2)}
	same(t, "StorySave (new, without permission)", b, wantB)
	c, err := s.StorySave(ctx, &aftersale.Story{Title: "Carl", CreatedAt: late(1)})
	ok(t, err)
	wantC := &aftersale.Story{ID: c.ID, Title: "Carl", CreatedAt: late(1), UpdatedAt: late(1)}
	same(t, "StorySave (new, bare)", c, wantC)

	// Newest first, then by ID.
	list, err := s.StoryList(ctx)
	ok(t, err)
	if len(list) < 3 {
		t.Fatalf("StoryList: %d stories", len(list))
	}
	same(t, "StoryList (its start)", list[:3], []*aftersale.Story{wantC, wantB, wantA})

	// Replacing a story keeps its creation time, and its update time when
	// none is given.
	upd, err := s.StorySave(ctx, &aftersale.Story{ID: b.ID, Title: "Bob, again", Body: "Better.", Match: "",
		Permission: true, CreatedAt: late(9), UpdatedAt: late(3)})
	ok(t, err)
	wantB = &aftersale.Story{ID: b.ID, Title: "Bob, again", Body: "Better.", Permission: true, CreatedAt: late(1),
		UpdatedAt: late(3)}
	same(t, "StorySave (replace)", upd, wantB)
	upd, err = s.StorySave(ctx, &aftersale.Story{ID: a.ID, Title: "Ann", Body: wantA.Body, Match: wantA.Match})
	ok(t, err)
	wantA.Title, wantA.Permission = "Ann", false
	same(t, "StorySave (replace, no time, permission withdrawn)", upd, wantA)
	got, err = s.StoryGet(ctx, b.ID)
	ok(t, err)
	same(t, "StoryGet after StorySave", got, wantB)
	got, err = s.StoryGet(ctx, a.ID)
	ok(t, err)
	same(t, "StoryGet after StorySave without a time", got, wantA)

	_, err = s.StorySave(ctx, &aftersale.Story{ID: c.ID + 1000, Title: "Nobody", CreatedAt: late(4)})
	wantCode(t, "StorySave of a missing story", err, aftersale.ENOTFOUND)
	_, err = s.StorySave(ctx, &aftersale.Story{Title: " ", CreatedAt: late(4)})
	wantCode(t, "StorySave without a title", err, aftersale.EINVALID)
	_, err = s.StoryGet(ctx, c.ID+1000)
	wantCode(t, "StoryGet of a missing story", err, aftersale.ENOTFOUND)

	// Deleting.
	ok(t, s.StoryDelete(ctx, c.ID))
	_, err = s.StoryGet(ctx, c.ID)
	wantCode(t, "StoryGet of a deleted story", err, aftersale.ENOTFOUND)
	wantCode(t, "StoryDelete again", s.StoryDelete(ctx, c.ID), aftersale.ENOTFOUND)
	list, err = s.StoryList(ctx)
	ok(t, err)
	same(t, "StoryList after StoryDelete (its start)", list[:2], []*aftersale.Story{wantB, wantA})
	for _, st := range list {
		if st.ID == c.ID {
			t.Fatal("StoryList has the deleted story")
		}
	}

	// In a transaction too, seeing its own writes.
	var inTx *aftersale.Story
	ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
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
			t.Errorf("StoryList in a transaction: %s", show(list))
		}
		inTx, err = tx.StoryGet(ctx, st.ID)
		return err
	}))
	got, err = s.StoryGet(ctx, inTx.ID)
	ok(t, err)
	same(t, "story saved in a transaction", got, inTx)
	_, err = s.StoryGet(ctx, a.ID)
	wantCode(t, "StoryGet of a story deleted in a transaction", err, aftersale.ENOTFOUND)
}

func testStorySends(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := newCustomer(t, s, "ann.story@example.com")
	bob := newCustomer(t, s, "bob.story@example.com")
	carl := newCustomer(t, s, "carl.story@example.com")
	var stories []*aftersale.Story
	for i := range 3 {
		st, err := s.StorySave(ctx, &aftersale.Story{Title: fmt.Sprintf("Story %d", i), Permission: true, CreatedAt: t0})
		ok(t, err)
		stories = append(stories, st)
	}
	s1, s2, s3 := stories[0], stories[1], stories[2]
	sentTo := func(c *aftersale.Customer, want ...int64) {
		t.Helper()
		got, err := s.StorySentTo(ctx, c.ID)
		ok(t, err)
		if len(got) == 0 && len(want) == 0 {
			return
		}
		same(t, "StorySentTo "+c.Email, got, want)
	}
	sentTo(ann)

	ok(t, s.StoryMarkSent(ctx, ann.ID, s2.ID, at(time.Hour)))
	ok(t, s.StoryMarkSent(ctx, ann.ID, s1.ID, at(2*time.Hour)))
	ok(t, s.StoryMarkSent(ctx, ann.ID, s2.ID, at(3*time.Hour))) // again: no error
	ok(t, s.StoryMarkSent(ctx, bob.ID, s1.ID, at(3*time.Hour)))
	sentTo(ann, s1.ID, s2.ID)
	sentTo(bob, s1.ID)
	sentTo(carl)
	wantCode(t, "StoryMarkSent of a missing story", s.StoryMarkSent(ctx, carl.ID, s3.ID+1000, at(4*time.Hour)), aftersale.ENOTFOUND)
	sentTo(carl)

	// A deleted story is no longer recorded as sent.
	ok(t, s.StoryDelete(ctx, s1.ID))
	sentTo(ann, s2.ID)
	sentTo(bob)

	// In a transaction too, seeing its own writes; neither a repeat nor a
	// missing story fails it.
	ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if err := tx.StoryMarkSent(ctx, carl.ID, s3.ID, at(5*time.Hour)); err != nil {
			return err
		}
		if err := tx.StoryMarkSent(ctx, carl.ID, s3.ID, at(6*time.Hour)); err != nil {
			return err
		}
		err := tx.StoryMarkSent(ctx, carl.ID, s1.ID, at(6*time.Hour))
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
