package aftersale

import "testing"

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
