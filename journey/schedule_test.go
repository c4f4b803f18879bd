package journey

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// step returns a step with the wait and time of day.
func step(t *testing.T, wait, at string) *Step {
	t.Helper()
	d, err := ParseDelay(wait)
	if err != nil {
		t.Fatal(err)
	}
	return &Step{ID: "s", Type: aftersale.StepEmail, Wait: d, At: at}
}

// utc parses an RFC 3339 instant.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDue(t *testing.T) {
	t.Parallel()
	ny := &Schedule{DefaultTimezone: "America/New_York", QuietStart: "21:00", QuietEnd: "08:00"}
	tests := []struct {
		name   string
		sched  *Schedule
		tz     string
		anchor string // UTC
		wait   string
		at     string
		want   string // UTC
	}{
		// 22:00 local: in quiet hours, but at-once steps ignore them.
		{"at once ignores quiet hours", ny, "", "2026-03-04T03:00:00Z", "0", "", "2026-03-04T03:00:00Z"},
		{"30m", ny, "", "2026-03-02T15:00:00Z", "30m", "", "2026-03-02T15:30:00Z"},
		// DST starts on Sunday 8 March 2026 in New York: a day is 23 hours.
		{"1d across spring DST keeps the local time", ny, "", "2026-03-07T15:00:00Z", "1d", "", "2026-03-08T14:00:00Z"},
		{"24h across spring DST is 24 hours", ny, "", "2026-03-07T15:00:00Z", "24h", "", "2026-03-08T15:00:00Z"},
		{"1d across autumn DST keeps the local time", ny, "", "2026-10-31T14:00:00Z", "1d", "", "2026-11-01T15:00:00Z"},
		{"1d12h", ny, "", "2026-03-02T13:00:00Z", "1d12h", "", "2026-03-04T01:00:00Z"},
		// Quiet hours 21:00-08:00 local.
		{"evening moves to next morning", ny, "", "2026-03-05T01:30:00Z", "1h", "", "2026-03-05T13:00:00Z"},
		{"early morning moves to 08:00", ny, "", "2026-03-04T06:00:00Z", "30m", "", "2026-03-04T13:00:00Z"},
		{"1d after a late purchase moves to the morning", ny, "", "2026-03-05T04:00:00Z", "1d", "", "2026-03-06T13:00:00Z"},
		{"quiet end itself is fine", ny, "", "2026-03-04T12:00:00Z", "1h", "", "2026-03-04T13:00:00Z"},
		{"no quiet hours", &Schedule{}, "", "2026-03-02T23:00:00Z", "1h", "", "2026-03-03T00:00:00Z"},
		{"quiet hours within a day", &Schedule{QuietStart: "12:00", QuietEnd: "14:00"}, "", "2026-03-02T11:00:00Z", "1h30m", "", "2026-03-02T14:00:00Z"},
		// Business days.
		{"1bd on a Friday is Monday", ny, "", "2026-02-27T20:00:00Z", "1bd", "", "2026-03-02T20:00:00Z"},
		{"1bd on a Saturday is Monday", ny, "", "2026-02-28T15:00:00Z", "1bd", "", "2026-03-02T15:00:00Z"},
		{"2bd on a Thursday is Monday", ny, "", "2026-02-26T15:00:00Z", "2bd", "", "2026-03-02T15:00:00Z"},
		{"1bd on a Tuesday is Wednesday", ny, "", "2026-03-03T15:00:00Z", "1bd", "", "2026-03-04T15:00:00Z"},
		// Thursday 22:00 + 1bd = Friday 22:00, quiet until Saturday 08:00,
		// not a business day: Monday 08:00.
		{"1bd moved onto a weekend goes on to Monday morning", ny, "", "2026-02-27T03:00:00Z", "1bd", "", "2026-03-02T13:00:00Z"},
		{"business days Sunday to Thursday", &Schedule{BusinessDays: []time.Weekday{0, 1, 2, 3, 4}}, "", "2026-02-26T10:00:00Z", "1bd", "", "2026-03-01T10:00:00Z"},
		// A time of day.
		{"1d at 10:00", ny, "", "2026-03-02T20:00:00Z", "1d", "10:00", "2026-03-03T15:00:00Z"},
		{"at 10:00 later today", ny, "", "2026-03-02T14:00:00Z", "0", "10:00", "2026-03-02T15:00:00Z"},
		{"at 10:00 tomorrow", ny, "", "2026-03-02T20:00:00Z", "0", "10:00", "2026-03-03T15:00:00Z"},
		{"at in quiet hours moves to the morning", ny, "", "2026-03-02T20:00:00Z", "1d", "22:00", "2026-03-04T13:00:00Z"},
		{"1bd at 09:30 on a Friday", ny, "", "2026-02-27T20:00:00Z", "1bd", "09:30", "2026-03-02T14:30:00Z"},
		// Before a booking (the anchor is the session's start).
		{"-1d before a session", ny, "", "2026-03-04T20:00:00Z", "-1d", "", "2026-03-03T20:00:00Z"},
		{"-2h before a session", ny, "", "2026-03-04T20:00:00Z", "-2h", "", "2026-03-04T18:00:00Z"},
		{"-1d at 18:00", ny, "", "2026-03-04T20:00:00Z", "-1d", "18:00", "2026-03-03T23:00:00Z"},
		// 09:00 session: 07:00 is quiet, 08:00 is still before the session.
		{"-2h in quiet hours moves to the morning", ny, "", "2026-03-04T14:00:00Z", "-2h", "", "2026-03-04T13:00:00Z"},
		// 07:30 session: 08:00 would be too late: 20:59 the evening before.
		{"-2h in quiet hours moves to the evening before", ny, "", "2026-03-04T12:30:00Z", "-2h", "", "2026-03-04T01:59:00Z"},
		// Time zones: 20:30 in Berlin is 19:30 UTC.
		{"customer zone", ny, "Europe/Berlin", "2026-03-02T19:30:00Z", "1h", "", "2026-03-03T07:00:00Z"},
		{"unknown zone falls back to the default", &Schedule{DefaultTimezone: "Europe/Berlin", QuietStart: "21:00", QuietEnd: "08:00"}, "Mars/Base", "2026-03-02T19:30:00Z", "1h", "", "2026-03-03T07:00:00Z"},
		{"no zone at all is UTC", &Schedule{QuietStart: "21:00", QuietEnd: "08:00"}, "", "2026-03-02T19:30:00Z", "1h", "", "2026-03-02T20:30:00Z"},
		{"unknown default zone is UTC", &Schedule{DefaultTimezone: "Nowhere", QuietStart: "21:00", QuietEnd: "08:00"}, "Mars/Base", "2026-03-02T19:30:00Z", "1h", "", "2026-03-02T20:30:00Z"},
		{"nil schedule", nil, "", "2026-03-02T23:00:00Z", "1d", "", "2026-03-03T23:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.sched.Due(utc(t, tt.anchor), step(t, tt.wait, tt.at), tt.tz)
			if want := utc(t, tt.want); !got.Equal(want) {
				loc := time.UTC
				if tt.sched != nil {
					loc = tt.sched.location(tt.tz)
				}
				t.Errorf("Due = %s (%s local), want %s (%s local)", got.UTC().Format(time.RFC3339), got.In(loc).Format("Mon 15:04"),
					want.Format(time.RFC3339), want.In(loc).Format("Mon 15:04"))
			}
		})
	}
}

func TestDueScaled(t *testing.T) {
	t.Parallel()
	origin := utc(t, "2026-03-02T00:00:00Z")
	clock := &aftersale.Clock{Scale: 86400, Origin: origin}
	s := &Schedule{Clock: clock, QuietStart: "21:00", QuietEnd: "08:00"}
	seconds := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	near := func(t *testing.T, got, want time.Time) {
		t.Helper()
		if d := got.Sub(want); d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("due %s, want %s (off by %v)", got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano), d)
		}
	}

	// 10.5 real seconds after the origin is noon of virtual day 10.
	anchor := origin.Add(seconds(10.5))
	if v := clock.ToVirtual(anchor); !v.Equal(utc(t, "2026-03-12T12:00:00Z")) {
		t.Fatalf("virtual anchor = %s", v)
	}
	near(t, s.Due(anchor, step(t, "1d", ""), ""), anchor.Add(time.Second))
	near(t, s.Due(anchor, step(t, "7d", ""), ""), anchor.Add(7*time.Second))
	near(t, s.Due(anchor, step(t, "2h", ""), ""), anchor.Add(seconds(2.0/24)))
	if got := s.Due(anchor, step(t, "0", ""), ""); !got.Equal(anchor) {
		t.Errorf("at once: due %s, want the anchor %s", got, anchor)
	}

	// Virtual 20:30 + 1h falls in quiet hours: moved to virtual 08:00 the
	// next day, 11.5 virtual hours later: 11.5/24 real seconds.
	evening := origin.Add(seconds(10 + 20.5/24))
	near(t, s.Due(evening, step(t, "1h", ""), ""), evening.Add(seconds(11.5/24)))

	// A virtual weekend is skipped in real seconds, not real days:
	// virtual Friday 13 March noon + 1bd = virtual Monday noon, 3 seconds.
	friday := origin.Add(seconds(11.5))
	near(t, s.Due(friday, step(t, "1bd", ""), ""), friday.Add(3*time.Second))
}

func TestScheduleValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s     Schedule
		field string
	}{
		{Schedule{}, ""},
		{Schedule{DefaultTimezone: "Europe/Berlin", QuietStart: "21:00", QuietEnd: "08:00", BusinessDays: []time.Weekday{1, 2}}, ""},
		{Schedule{DefaultTimezone: "Mars/Base"}, "default_timezone"},
		{Schedule{QuietStart: "21:00"}, "quiet_hours"},
		{Schedule{QuietStart: "9pm", QuietEnd: "08:00"}, "quiet_start"},
		{Schedule{QuietStart: "21:00", QuietEnd: "8"}, "quiet_end"},
		{Schedule{BusinessDays: []time.Weekday{9}}, "business_days"},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		var field string
		if e, ok := err.(*aftersale.Error); ok {
			field = e.Field
		} else if err != nil {
			t.Errorf("%+v: error %v is not an *aftersale.Error", tt.s, err)
		}
		if field != tt.field {
			t.Errorf("%+v: Validate() = %v, want field %q", tt.s, err, tt.field)
		}
	}
}

func TestInQuietHours(t *testing.T) {
	t.Parallel()
	s := &Schedule{QuietStart: "21:00", QuietEnd: "08:00"}
	for hm, want := range map[string]bool{"20:59": false, "21:00": true, "23:59": true, "00:00": true, "07:59": true, "08:00": false, "12:00": false} {
		tm, _ := time.Parse("15:04", hm)
		if got := s.InQuietHours(tm); got != want {
			t.Errorf("InQuietHours(%s) = %v, want %v", hm, got, want)
		}
	}
	if (&Schedule{QuietStart: "08:00", QuietEnd: "08:00"}).InQuietHours(time.Time{}) {
		t.Error("equal start and end should mean no quiet hours")
	}
}
