package aftersale

import (
	"strings"
	"testing"
)

func TestParseQualities(t *testing.T) {
	q, err := ParseQualities("")
	if err != nil || len(q) != len(DefaultQualities) {
		t.Fatalf("empty: %v %v", q, err)
	}
	q, err = ParseQualities("speed=Quick answers; expertise, ease_of_use = Easy to use")
	if err != nil {
		t.Fatal(err)
	}
	want := []Quality{{"speed", "Quick answers"}, {"expertise", "Expertise"}, {"ease_of_use", "Easy to use"}}
	if len(q) != len(want) {
		t.Fatalf("got %v", q)
	}
	for i := range want {
		if q[i] != want[i] {
			t.Errorf("quality %d = %+v, want %+v", i, q[i], want[i])
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"speed", "at least two"},
		{"a b=x, c", "only a-z"},
		{"speed, speed", "twice"},
		{"x=" + strings.Repeat("y", 201) + ", z", "at most"},
	} {
		if _, err := ParseQualities(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseQualities(%q) = %v, want an error with %q", tt.in, err, tt.want)
		}
	}
}

func FuzzParseQualities(f *testing.F) {
	f.Add("speed=Quick answers, expertise")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQualities(s)
		if err == nil && len(q) < 2 {
			t.Errorf("%q gave %d qualities without an error", s, len(q))
		}
	})
}
