package journey

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Delay is how long a step waits after its anchor: whole calendar days
// (added on the customer's local calendar, so a day is 23 or 25 hours across
// a DST change), or whole business days, plus a duration in hours and
// minutes. A negative delay (allowed only after a booking) falls before the
// anchor. The zero Delay means "at once".
type Delay struct {
	// Negative puts the step before its anchor (a reminder before a session).
	Negative bool
	// Days are calendar days.
	Days int
	// BusinessDays are days that skip the schedule's non-business days.
	// A delay has Days or BusinessDays, never both.
	BusinessDays int
	// Duration is the sub-day part (hours and minutes), never negative.
	Duration time.Duration
}

// delay limits keep arithmetic far from overflow: ten years.
const (
	maxDelayDays     = 3660
	maxDelayDuration = maxDelayDays * 24 * time.Hour
)

// delayHint is appended to every delay syntax error.
const delayHint = "(use 30m, 2h, 1d or 1bd)"

// ParseDelay parses a delay: "0" (or "") for at once, or an optional "-"
// followed by parts in this order: days ("7d") or business days ("2bd"),
// hours ("12h") and minutes ("30m"), e.g. "30m", "2h", "1d12h", "1bd", "-2h".
func ParseDelay(s string) (Delay, error) {
	var d Delay
	in := strings.TrimSpace(s)
	if in == "" || in == "0" {
		return d, nil
	}
	rest := in
	if strings.HasPrefix(rest, "-") {
		d.Negative = true
		rest = rest[1:]
	} else if strings.HasPrefix(rest, "+") {
		rest = rest[1:]
	}
	if rest == "" {
		return Delay{}, fmt.Errorf("%q is not a delay %s", s, delayHint)
	}
	// rank orders the units: each part must come after the previous one.
	rank := 0
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i > 7 {
			return Delay{}, fmt.Errorf("%q is not a delay %s", s, delayHint)
		}
		n, _ := strconv.Atoi(rest[:i])
		rest = rest[i:]
		var unit string
		switch {
		case strings.HasPrefix(rest, "bd"):
			unit = "bd"
		case strings.HasPrefix(rest, "d"), strings.HasPrefix(rest, "h"), strings.HasPrefix(rest, "m"):
			unit = rest[:1]
		default:
			return Delay{}, fmt.Errorf("%q is not a delay %s", s, delayHint)
		}
		rest = rest[len(unit):]
		r := 1
		switch unit {
		case "h":
			r = 2
		case "m":
			r = 3
		}
		if r <= rank {
			return Delay{}, fmt.Errorf("%q is not a delay: write days (d or bd), then hours (h), then minutes (m), each once", s)
		}
		rank = r
		switch unit {
		case "d":
			d.Days = n
		case "bd":
			d.BusinessDays = n
		case "h":
			d.Duration += time.Duration(n) * time.Hour
		case "m":
			d.Duration += time.Duration(n) * time.Minute
		}
	}
	if d.Days > maxDelayDays || d.BusinessDays > maxDelayDays || d.Duration > maxDelayDuration {
		return Delay{}, fmt.Errorf("%q is too long: at most %d days", s, maxDelayDays)
	}
	if d.IsZero() {
		d.Negative = false
	}
	return d, nil
}

// IsZero reports whether the delay is "at once".
func (d Delay) IsZero() bool {
	return d.Days == 0 && d.BusinessDays == 0 && d.Duration == 0
}

// String returns the canonical form: "0", "30m", "2h", "1d12h", "1bd", "-2h".
func (d Delay) String() string {
	if d.IsZero() {
		return "0"
	}
	var b strings.Builder
	if d.Negative {
		b.WriteByte('-')
	}
	if d.Days > 0 {
		fmt.Fprintf(&b, "%dd", d.Days)
	}
	if d.BusinessDays > 0 {
		fmt.Fprintf(&b, "%dbd", d.BusinessDays)
	}
	if h := int64(d.Duration / time.Hour); h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m := int64(d.Duration % time.Hour / time.Minute); m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}

// Approx returns the delay as a plain duration, counting a day as 24 hours
// and a business day as 24 hours; negative for a negative delay. It is for
// display and rough ordering, not for scheduling (see Schedule.Due).
func (d Delay) Approx() time.Duration {
	v := time.Duration(d.Days+d.BusinessDays)*24*time.Hour + d.Duration
	if d.Negative {
		return -v
	}
	return v
}

// parseClock parses a local time of day "HH:MM" (24-hour clock).
func parseClock(s string) (hour, minute int, err error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, fmt.Errorf("%q is not a time of day (use HH:MM, e.g. 09:30)", s)
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 || s[0] == '+' || s[3] == '+' || s[0] == '-' || s[3] == '-' {
		return 0, 0, fmt.Errorf("%q is not a time of day (use HH:MM, e.g. 09:30)", s)
	}
	return h, m, nil
}
