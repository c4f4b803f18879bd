package aftersale

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseNextLevel(t *testing.T) {
	t.Parallel()
	got, err := ParseNextLevel("course-101=Mastermind|https://shop.example/mm|Six months in a small group;\n kind:digital = Coaching | https://shop.example/c ")
	want := []NextLevelRule{
		{Match: "course-101", Name: "Mastermind", URL: "https://shop.example/mm", Description: "Six months in a small group"},
		{Match: "kind:digital", Name: "Coaching", URL: "https://shop.example/c"},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseNextLevel = %+v, %v", got, err)
	}
	for _, bad := range []string{"x=Name", "=Name|https://a.example", "kind:toy=Name|https://a.example", "x=|https://a.example", "x=Name|ftp://a.example", "x=Name|not a url"} {
		if _, err := ParseNextLevel(bad); err == nil {
			t.Errorf("ParseNextLevel(%q) passed", bad)
		}
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

func FuzzParseNextLevel(f *testing.F) {
	f.Add("course-101=Mastermind|https://shop.example/mm|Six months")
	f.Add("kind:digital=Coaching|http://x.example;;a=b|c")
	f.Fuzz(func(t *testing.T, spec string) {
		rules, err := ParseNextLevel(spec)
		if err != nil {
			return
		}
		for _, r := range rules {
			if r.Match == "" || r.Name == "" || !strings.HasPrefix(r.URL, "http") {
				t.Fatalf("rule %+v", r)
			}
		}
	})
}
