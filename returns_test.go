package aftersale

import (
	"reflect"
	"strings"
	"testing"
)

func TestReturnStatusMoves(t *testing.T) {
	t.Parallel()
	allowed := map[ReturnStatus][]ReturnStatus{
		ReturnRequested: {ReturnReceived, ReturnRefunded, ReturnExchanged, ReturnCancelled},
		ReturnReceived:  {ReturnRefunded, ReturnExchanged},
	}
	for _, from := range ReturnStatuses {
		for _, to := range ReturnStatuses {
			want := false
			for _, a := range allowed[from] {
				want = want || a == to
			}
			if got := from.CanMoveTo(to); got != want {
				t.Errorf("%s → %s: %v, want %v", from, to, got, want)
			}
		}
		if from.Final() != (len(allowed[from]) == 0) {
			t.Errorf("%s.Final() = %v", from, from.Final())
		}
	}
}

func TestParseReturnReasons(t *testing.T) {
	t.Parallel()
	got, err := ParseReturnReasons(" Too small ; Too big\nBroke;; ")
	if err != nil || !reflect.DeepEqual(got, []string{"Too small", "Too big", "Broke"}) {
		t.Errorf("ParseReturnReasons = %q, %v", got, err)
	}
	if got, _ := ParseReturnReasons(" ; "); !reflect.DeepEqual(got, DefaultReturnReasons) {
		t.Errorf("empty spec = %q, want the defaults", got)
	}
	if _, err := ParseReturnReasons(strings.Repeat("x", 121)); err == nil {
		t.Error("a 121-character reason passed")
	}
}

func FuzzParseReturnReasons(f *testing.F) {
	f.Add("Too small; Too big")
	f.Add("\n;\n")
	f.Fuzz(func(t *testing.T, spec string) {
		got, err := ParseReturnReasons(spec)
		if err != nil {
			return
		}
		if len(got) == 0 {
			t.Fatal("no reasons")
		}
		for _, r := range got {
			if r == "" || r != strings.TrimSpace(r) || strings.ContainsAny(r, ";\n") || len(r) > 120 {
				t.Fatalf("reason %q", r)
			}
		}
	})
}
