package aftersale

import "testing"

func TestNextLevelFor(t *testing.T) {
	t.Parallel()
	want := []NextLevelRule{
		{Match: "course-101", Name: "Mastermind", URL: "https://shop.example/mm", Description: "Six months in a small group"},
		{Match: "kind:digital", Name: "Coaching", URL: "https://shop.example/c"},
	}
	o := &Order{Items: []Item{{SKU: "tee", Kind: KindPhysical}, {SKU: "course-101", Kind: KindDigital}}}
	if r := NextLevelFor(want, o); r == nil || r.Name != "Mastermind" {
		t.Errorf("NextLevelFor = %+v", r)
	}
	if r := NextLevelFor(want, &Order{Items: []Item{{SKU: "e-book", Kind: KindDigital}}}); r == nil || r.Name != "Coaching" {
		t.Errorf("NextLevelFor by kind = %+v", r)
	}
	if r := NextLevelFor(want, &Order{Items: []Item{{SKU: "tee", Kind: KindPhysical}}}); r != nil {
		t.Errorf("NextLevelFor without a match = %+v", r)
	}
}
