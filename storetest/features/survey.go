package features

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// answer returns an unsaved survey answer about the order.
func answer(o *aftersale.Order, kind aftersale.AnswerKind, quality, subject string, value int, created time.Time) *aftersale.SurveyAnswer {
	return &aftersale.SurveyAnswer{
		CustomerID: o.CustomerID, OrderID: o.ID, Kind: kind, Quality: quality, Subject: subject,
		Value: value, Comment: fmt.Sprintf("%s %s %s %d", kind, quality, subject, value), CreatedAt: created,
	}
}

// saveAnswer calls SurveyAnswerSave and fails the test on an error.
func saveAnswer(t *testing.T, s aftersale.Store, a *aftersale.SurveyAnswer) *aftersale.SurveyAnswer {
	t.Helper()
	got, err := s.SurveyAnswerSave(t.Context(), a)
	fixture.Ok(t, err)
	if got.ID == 0 {
		t.Fatalf("SurveyAnswerSave(%s) returned ID 0", fixture.Show(a))
	}
	return got
}

// listAnswers calls SurveyAnswerList and fails the test on an error.
func listAnswers(t *testing.T, s aftersale.Store, f aftersale.AnswerFilter) []*aftersale.SurveyAnswer {
	t.Helper()
	list, err := s.SurveyAnswerList(t.Context(), f)
	fixture.Ok(t, err)
	return list
}

func testSurveyAnswerSave(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	if list := listAnswers(t, s, aftersale.AnswerFilter{}); len(list) != 0 {
		t.Fatalf("SurveyAnswerList of an empty store: %s", fixture.Show(list))
	}
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	order := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)

	// The subject is stored lower-cased.
	in := answer(order, aftersale.AnswerPerformance, "expertise", "Eve@Team.Example", 4, fixture.T0)
	eve := saveAnswer(t, s, in)
	want := *in
	want.ID, want.Subject = eve.ID, "eve@team.example"
	fixture.Same(t, "SurveyAnswerSave", eve, &want)
	fixture.Same(t, "SurveyAnswerList after a save", listAnswers(t, s, aftersale.AnswerFilter{}), []*aftersale.SurveyAnswer{&want})

	// Every other field, and an empty subject (the company), a zero value
	// and an empty comment, make another answer.
	others := []*aftersale.SurveyAnswer{
		answer(order, aftersale.AnswerPerformance, "expertise", "", 5, fixture.At(time.Minute)),
		answer(order, aftersale.AnswerPerformance, "expertise", "fay@team.example", 3, fixture.At(2*time.Minute)),
		answer(order, aftersale.AnswerPerformance, "value", "eve@team.example", 2, fixture.At(3*time.Minute)),
		answer(order, aftersale.AnswerImportance, "expertise", "eve@team.example", 1, fixture.At(4*time.Minute)),
		{CustomerID: ann.ID, OrderID: order.ID, Kind: aftersale.AnswerNPS, CreatedAt: fixture.At(5 * time.Minute)},
		answer(fixture.NewOrder(t, s, ann.ID, "1002", fixture.T0), aftersale.AnswerPerformance, "expertise", "eve@team.example", 4, fixture.At(6*time.Minute)),
	}
	all := []*aftersale.SurveyAnswer{&want}
	for _, a := range others {
		got := saveAnswer(t, s, a)
		w := *a
		w.ID = got.ID
		fixture.Same(t, "SurveyAnswerSave of another answer", got, &w)
		for _, prev := range all {
			if prev.ID == got.ID {
				t.Fatalf("answers %s and %s share the ID %d", fixture.Show(prev), fixture.Show(got), got.ID)
			}
		}
		all = append(all, got)
	}
	fixture.Same(t, "SurveyAnswerList after saving different answers", listAnswers(t, s, aftersale.AnswerFilter{}), all)

	// Answering again, with the subject in another case, replaces the
	// value, the comment and the time, and keeps the ID.
	again := answer(order, aftersale.AnswerPerformance, "expertise", " EVE@team.example", 1, fixture.At(time.Hour))
	again.Comment = "changed my mind"
	replaced := saveAnswer(t, s, again)
	want = *eve
	want.Value, want.Comment, want.CreatedAt = 1, "changed my mind", fixture.At(time.Hour)
	fixture.Same(t, "SurveyAnswerSave of an answer given again", replaced, &want)
	// Now the newest.
	all = append(all[1:], &want)
	fixture.Same(t, "SurveyAnswerList after an answer was given again", listAnswers(t, s, aftersale.AnswerFilter{}), all)

	// Replacing may clear the comment and the value.
	again = answer(order, aftersale.AnswerPerformance, "expertise", "eve@team.example", 0, fixture.At(2*time.Hour))
	again.Comment = ""
	replaced = saveAnswer(t, s, again)
	want.Value, want.Comment, want.CreatedAt = 0, "", fixture.At(2*time.Hour)
	fixture.Same(t, "SurveyAnswerSave of an answer given a third time", replaced, &want)
	if list := listAnswers(t, s, aftersale.AnswerFilter{}); len(list) != len(all) {
		t.Fatalf("SurveyAnswerList after three answers of the same key: %d answers, want %d", len(list), len(all))
	}

	// The same key in a transaction replaces the answer too.
	var inTx *aftersale.SurveyAnswer
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		var err error
		inTx, err = tx.SurveyAnswerSave(ctx, answer(order, aftersale.AnswerPerformance, "expertise", "Eve@team.example", 5, fixture.At(3*time.Hour)))
		return err
	}))
	if inTx.ID != eve.ID || inTx.Value != 5 {
		t.Fatalf("SurveyAnswerSave in a transaction: %s, want ID %d and value 5", fixture.Show(inTx), eve.ID)
	}

	_, err := s.SurveyAnswerSave(ctx, &aftersale.SurveyAnswer{CustomerID: ann.ID, OrderID: order.ID, CreatedAt: fixture.T0})
	fixture.WantCode(t, "SurveyAnswerSave without a kind", err, aftersale.EINVALID)
}

func testSurveyAnswerList(t *testing.T, s aftersale.Store) {
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	bob := fixture.NewCustomer(t, s, "bob@example.com")
	a1 := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	a2 := fixture.NewOrder(t, s, ann.ID, "1002", fixture.T0)
	b1 := fixture.NewOrder(t, s, bob.ID, "2001", fixture.T0)

	// Saved out of time order; two at the same time come by ID.
	var saved []*aftersale.SurveyAnswer
	for _, a := range []*aftersale.SurveyAnswer{
		answer(a1, aftersale.AnswerNPS, "", "", 9, fixture.At(2*time.Hour)),                                // 0
		answer(a1, aftersale.AnswerPerformance, "expertise", "", 5, fixture.At(time.Hour)),                 // 1
		answer(b1, aftersale.AnswerPerformance, "expertise", "eve@team.example", 4, fixture.At(time.Hour)), // 2
		answer(a2, aftersale.AnswerImportance, "value", "", 1, fixture.T0),                                 // 3
		answer(b1, aftersale.AnswerComment, "", "", 0, fixture.At(3*time.Hour)),                            // 4
		answer(a2, aftersale.AnswerPerformance, "value", "", 3, fixture.At(24*time.Hour)),                  // 5
		answer(b1, aftersale.AnswerNPS, "", "", 10, fixture.At(time.Hour-time.Microsecond)),                // 6
	} {
		saved = append(saved, saveAnswer(t, s, a))
	}
	pick := func(i ...int) []*aftersale.SurveyAnswer {
		var out []*aftersale.SurveyAnswer
		for _, i := range i {
			out = append(out, saved[i])
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    aftersale.AnswerFilter
		want []*aftersale.SurveyAnswer
	}{
		{"everything", aftersale.AnswerFilter{}, pick(3, 6, 1, 2, 0, 4, 5)},
		{"order", aftersale.AnswerFilter{OrderID: a1.ID}, pick(1, 0)},
		{"other order", aftersale.AnswerFilter{OrderID: b1.ID}, pick(6, 2, 4)},
		{"customer", aftersale.AnswerFilter{CustomerID: ann.ID}, pick(3, 1, 0, 5)},
		{"other customer", aftersale.AnswerFilter{CustomerID: bob.ID}, pick(6, 2, 4)},
		{"kind", aftersale.AnswerFilter{Kind: aftersale.AnswerPerformance}, pick(1, 2, 5)},
		{"nps", aftersale.AnswerFilter{Kind: aftersale.AnswerNPS}, pick(6, 0)},
		{"from, inclusive", aftersale.AnswerFilter{From: fixture.At(time.Hour)}, pick(1, 2, 0, 4, 5)},
		{"to, exclusive", aftersale.AnswerFilter{To: fixture.At(time.Hour)}, pick(3, 6)},
		{"from and to", aftersale.AnswerFilter{From: fixture.At(time.Hour), To: fixture.At(3 * time.Hour)}, pick(1, 2, 0)},
		{"empty range", aftersale.AnswerFilter{From: fixture.At(time.Hour), To: fixture.At(time.Hour)}, nil},
		{"customer and kind", aftersale.AnswerFilter{CustomerID: ann.ID, Kind: aftersale.AnswerPerformance}, pick(1, 5)},
		{"every field", aftersale.AnswerFilter{OrderID: b1.ID, CustomerID: bob.ID, Kind: aftersale.AnswerNPS,
			From: fixture.T0, To: fixture.At(time.Hour)}, pick(6)},
		{"order of another customer", aftersale.AnswerFilter{OrderID: b1.ID, CustomerID: ann.ID}, nil},
		{"kind without answers", aftersale.AnswerFilter{OrderID: a2.ID, Kind: aftersale.AnswerComment}, nil},
		{"missing order", aftersale.AnswerFilter{OrderID: 1_000_000}, nil},
	} {
		list := listAnswers(t, s, c.f)
		if len(c.want) == 0 {
			if len(list) != 0 {
				t.Fatalf("SurveyAnswerList by %s: %s, want none", c.name, fixture.Show(list))
			}
			continue
		}
		fixture.Same(t, "SurveyAnswerList by "+c.name, list, c.want)
	}
}
