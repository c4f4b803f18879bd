package journey

import (
	"strings"
	"testing"
	"time"
)

func TestParseDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Delay
		canon   string
		wantErr string
	}{
		{in: "", want: Delay{}, canon: "0"},
		{in: "0", want: Delay{}, canon: "0"},
		{in: "0d", want: Delay{}, canon: "0"},
		{in: "-0d", want: Delay{}, canon: "0"},
		{in: "-0", wantErr: "is not a delay"},
		{in: "30m", want: Delay{Duration: 30 * time.Minute}, canon: "30m"},
		{in: "2h", want: Delay{Duration: 2 * time.Hour}, canon: "2h"},
		{in: "90m", want: Delay{Duration: 90 * time.Minute}, canon: "1h30m"},
		{in: "1d", want: Delay{Days: 1}, canon: "1d"},
		{in: "7d", want: Delay{Days: 7}, canon: "7d"},
		{in: "+7d", want: Delay{Days: 7}, canon: "7d"},
		{in: "1d12h", want: Delay{Days: 1, Duration: 12 * time.Hour}, canon: "1d12h"},
		{in: "36h", want: Delay{Duration: 36 * time.Hour}, canon: "36h"},
		{in: "1bd", want: Delay{BusinessDays: 1}, canon: "1bd"},
		{in: "2bd", want: Delay{BusinessDays: 2}, canon: "2bd"},
		{in: "1bd2h", want: Delay{BusinessDays: 1, Duration: 2 * time.Hour}, canon: "1bd2h"},
		{in: " 2h30m ", want: Delay{Duration: 150 * time.Minute}, canon: "2h30m"},
		{in: "-1d", want: Delay{Negative: true, Days: 1}, canon: "-1d"},
		{in: "-2h", want: Delay{Negative: true, Duration: 2 * time.Hour}, canon: "-2h"},
		{in: "3650d", want: Delay{Days: 3650}, canon: "3650d"},
		{in: "3x", wantErr: `"3x" is not a delay (use 30m, 2h, 1d or 1bd)`},
		{in: "d", wantErr: "is not a delay"},
		{in: "-", wantErr: "is not a delay"},
		{in: "1", wantErr: "is not a delay"},
		{in: "1.5d", wantErr: "is not a delay"},
		{in: "1w", wantErr: "is not a delay"},
		{in: "1s", wantErr: "is not a delay"},
		{in: "2h1d", wantErr: "write days (d or bd), then hours (h), then minutes (m)"},
		{in: "1d1d", wantErr: "each once"},
		{in: "1d1bd", wantErr: "each once"},
		{in: "1 d", wantErr: "is not a delay"},
		{in: "--1d", wantErr: "is not a delay"},
		{in: "99999999d", wantErr: "is not a delay"},
		{in: "4000d", wantErr: "too long"},
		{in: "999999h", wantErr: "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDelay(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDelay(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDelay(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseDelay(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if s := got.String(); s != tt.canon {
				t.Errorf("String() = %q, want %q", s, tt.canon)
			}
			if got.IsZero() != (tt.canon == "0") {
				t.Errorf("IsZero() = %v", got.IsZero())
			}
		})
	}
}

func TestDelayApprox(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"0": 0, "1d12h": 36 * time.Hour, "2bd": 48 * time.Hour, "-2h": -2 * time.Hour, "30m": 30 * time.Minute,
	} {
		d, err := ParseDelay(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Approx(); got != want {
			t.Errorf("%s.Approx() = %v, want %v", in, got, want)
		}
	}
}

func TestParseClock(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"00:00", "09:30", "23:59", "10:00"} {
		if _, _, err := parseClock(ok); err != nil {
			t.Errorf("parseClock(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "9:30", "24:00", "10:60", "10-00", "1000", "+1:00", "10:+1", "-1:00", "ab:cd", "10:00:00"} {
		if _, _, err := parseClock(bad); err == nil {
			t.Errorf("parseClock(%q) succeeded", bad)
		}
	}
}

// FuzzParseDelay checks that ParseDelay never panics and that the canonical
// form of every delay it accepts parses back to the same delay.
func FuzzParseDelay(f *testing.F) {
	for _, s := range []string{"", "0", "30m", "2h", "1d", "1d12h", "1bd", "-2h", "-1d", "3x", "+1d", "1bd2h30m", "99999999999999999999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDelay(s)
		if err != nil {
			return
		}
		again, err := ParseDelay(d.String())
		if err != nil {
			t.Fatalf("ParseDelay(%q).String() = %q does not parse: %v", s, d.String(), err)
		}
		if again != d {
			t.Fatalf("ParseDelay(%q) = %+v, but its String %q parses to %+v", s, d, d.String(), again)
		}
		if d.Days > 0 && d.BusinessDays > 0 {
			t.Fatalf("ParseDelay(%q) has both days and business days", s)
		}
	})
}
