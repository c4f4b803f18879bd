package journey

import (
	"time"
	_ "time/tzdata" // time zones work on hosts without a zoneinfo database

	"github.com/aftersale/aftersale"
)

// Schedule computes when steps fall due. Delays, time zones, quiet hours and
// business days are reckoned in the virtual time of Clock (see
// aftersale.Clock), so a scaled demo never waits for a real night or weekend.
type Schedule struct {
	// Clock converts between real and virtual time; nil means real time.
	Clock *aftersale.Clock
	// DefaultTimezone is the IANA zone for customers without one; "" is UTC.
	DefaultTimezone string
	// QuietStart and QuietEnd ("21:00", "08:00") bound the local hours in
	// which no step falls due; both "" (the default) means no quiet hours.
	// The span may wrap past midnight.
	QuietStart, QuietEnd string
	// BusinessDays are the working weekdays; nil means Monday to Friday.
	BusinessDays []time.Weekday
}

// Validate checks the schedule's settings; errors name the field.
func (s *Schedule) Validate() error {
	if s.DefaultTimezone != "" {
		if _, err := time.LoadLocation(s.DefaultTimezone); err != nil {
			return aftersale.FieldError("default_timezone", "%q is not an IANA time zone (like Europe/Berlin)", s.DefaultTimezone)
		}
	}
	if (s.QuietStart == "") != (s.QuietEnd == "") {
		return aftersale.FieldError("quiet_hours", "give both start and end, or neither")
	}
	for _, f := range []struct{ name, v string }{{"quiet_start", s.QuietStart}, {"quiet_end", s.QuietEnd}} {
		if f.v == "" {
			continue
		}
		if _, _, err := parseClock(f.v); err != nil {
			return aftersale.FieldError(f.name, "%v", err)
		}
	}
	for _, d := range s.BusinessDays {
		if d < time.Sunday || d > time.Saturday {
			return aftersale.FieldError("business_days", "%d is not a weekday", d)
		}
	}
	return nil
}

// Due returns the real instant at which st falls due when its anchor
// happened at the real instant anchor (for after: booking, the session's
// start), for a customer in timezone ("" or an unknown zone means the
// default zone, then UTC).
//
// A step without wait and without `at` is due at the anchor exactly, even in
// quiet hours. Otherwise, in the customer's local virtual time: calendar days
// are added on the calendar (DST-safe), business days skip non-business
// days, hours and minutes are added as durations, and `at` sets the time of
// day (with no wait: the next such time). A result in quiet hours moves to
// their end; a negative wait that would then pass its anchor moves back to
// the last minute before quiet hours instead. A business-day wait that lands
// on a non-business day moves to the next business day at the end of quiet
// hours (midnight without quiet hours).
func (s *Schedule) Due(anchor time.Time, st *Step, timezone string) time.Time {
	if st == nil || (st.Wait.IsZero() && st.At == "") {
		return anchor
	}
	if s == nil {
		s = &Schedule{}
	}
	loc := s.location(timezone)
	v := s.Clock.ToVirtual(anchor).In(loc)
	return s.Clock.ToReal(s.dueLocal(v, st.Wait, st.At))
}

// dueLocal applies a delay, a time of day, quiet hours and business days to
// a local virtual instant.
func (s *Schedule) dueLocal(anchor time.Time, d Delay, at string) time.Time {
	loc := anchor.Location()
	sign := 1
	if d.Negative {
		sign = -1
	}
	t := anchor
	if d.Days > 0 {
		t = t.AddDate(0, 0, sign*d.Days)
	}
	for range d.BusinessDays {
		t = t.AddDate(0, 0, sign)
		for !s.isBusinessDay(t.Weekday()) {
			t = t.AddDate(0, 0, sign)
		}
	}
	if d.Duration > 0 {
		t = t.Add(time.Duration(sign) * d.Duration)
	}
	if at != "" {
		if h, m, err := parseClock(at); err == nil {
			y, mo, day := t.Date()
			t = time.Date(y, mo, day, h, m, 0, 0, loc)
			if d.IsZero() && t.Before(anchor) {
				t = time.Date(y, mo, day+1, h, m, 0, 0, loc)
			}
		}
	}
	t = s.outOfQuiet(t, d.Negative, anchor)
	if d.BusinessDays > 0 && !s.isBusinessDay(t.Weekday()) {
		for !s.isBusinessDay(t.Weekday()) {
			t = t.AddDate(0, 0, sign)
		}
		if sign > 0 {
			y, mo, day := t.Date()
			end := 0
			if _, qe, ok := s.quiet(); ok {
				end = qe
			}
			t = time.Date(y, mo, day, end/60, end%60, 0, 0, loc)
		}
	}
	return t
}

// quiet returns the quiet hours as minutes of the day; ok is false when there
// are none (or the settings do not parse; Validate reports those).
func (s *Schedule) quiet() (start, end int, ok bool) {
	if s.QuietStart == "" || s.QuietEnd == "" {
		return 0, 0, false
	}
	sh, sm, err1 := parseClock(s.QuietStart)
	eh, em, err2 := parseClock(s.QuietEnd)
	if err1 != nil || err2 != nil || s.QuietStart == s.QuietEnd {
		return 0, 0, false
	}
	return sh*60 + sm, eh*60 + em, true
}

// InQuietHours reports whether the local time t is in quiet hours.
func (s *Schedule) InQuietHours(t time.Time) bool {
	start, end, ok := s.quiet()
	if !ok {
		return false
	}
	tod := t.Hour()*60 + t.Minute()
	if start < end {
		return tod >= start && tod < end
	}
	return tod >= start || tod < end
}

// outOfQuiet moves a local time out of quiet hours: forward to their end,
// or, for a negative wait whose end would not come before the anchor,
// back to the last minute before they began.
func (s *Schedule) outOfQuiet(t time.Time, negative bool, anchor time.Time) time.Time {
	if !s.InQuietHours(t) {
		return t
	}
	start, end, _ := s.quiet()
	loc := t.Location()
	y, mo, day := t.Date()
	tod := t.Hour()*60 + t.Minute()
	// began is the day on which this quiet period started.
	began := day
	endDay := day
	if start > end { // wraps past midnight
		if tod >= start {
			endDay = day + 1
		} else {
			began = day - 1
		}
	}
	fwd := time.Date(y, mo, endDay, end/60, end%60, 0, 0, loc)
	if !negative || fwd.Before(anchor) {
		return fwd
	}
	return time.Date(y, mo, began, start/60, start%60, 0, 0, loc).Add(-time.Minute)
}

// isBusinessDay reports whether d is a business day. A list without any
// valid weekday counts as Monday to Friday.
func (s *Schedule) isBusinessDay(d time.Weekday) bool {
	valid := false
	for _, b := range s.BusinessDays {
		if b == d {
			return true
		}
		valid = valid || (b >= time.Sunday && b <= time.Saturday)
	}
	if valid {
		return false
	}
	return d != time.Saturday && d != time.Sunday
}

// location returns the customer's zone, else the default zone, else UTC.
func (s *Schedule) location(timezone string) *time.Location {
	for _, name := range []string{timezone, s.DefaultTimezone} {
		if name == "" {
			continue
		}
		if loc, err := aftersale.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.UTC
}
