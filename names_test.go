package aftersale

import (
	"slices"
	"testing"
)

func TestByProduct(t *testing.T) {
	type line struct {
		name string
		qty  int
	}
	in := []line{{"IPod Nano - 8GB", 1}, {"", 1}, {" ipod  nano - 8gb ", 2}, {"Book", 1}, {"", 3}, {"IPod Nano - 8GB", 1}}
	orig := slices.Clone(in)
	got := ByProduct(in, func(l line) string { return l.name }, func(into *line, dup line) { into.qty += dup.qty })
	want := []line{{"IPod Nano - 8GB", 4}, {"", 1}, {"Book", 1}, {"", 3}}
	if !slices.Equal(got, want) {
		t.Errorf("ByProduct = %v, want %v", got, want)
	}
	if !slices.Equal(in, orig) {
		t.Errorf("ByProduct changed its input: %v", in)
	}
	if got := ByProduct[line](nil, func(l line) string { return l.name }, nil); len(got) != 0 {
		t.Errorf("ByProduct(nil) = %v", got)
	}
}

func TestOrderLabel(t *testing.T) {
	for in, want := range map[string]string{
		"1001": "#1001", "#1001": "#1001", " 9999 ": "#9999", "820982911946154500": "#820982911946154500",
		"R-88": "R-88", "pi_3Mtw": "pi_3Mtw", "": "",
	} {
		if got := OrderLabel(in); got != want {
			t.Errorf("OrderLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
