package aftersale

import "time"

// Clock tells the time. With a Scale above 1 it also keeps a virtual clock
// that runs Scale times faster than the real one from Origin on: journey
// delays, time zones, quiet hours and business days are all reckoned in
// virtual time, and converted back to real time for scheduling.
type Clock struct {
	// Now returns the real time; nil means time.Now.
	Now func() time.Time
	// Scale divides every delay; values below 1 count as 1.
	Scale float64
	// Origin is the real instant at which virtual and real time agree.
	Origin time.Time
}

// RealNow returns the real current time in UTC.
func (c *Clock) RealNow() time.Time {
	if c == nil || c.Now == nil {
		return time.Now().UTC()
	}
	return c.Now().UTC()
}

func (c *Clock) scale() float64 {
	if c == nil || c.Scale < 1 {
		return 1
	}
	return c.Scale
}

// VirtualNow returns the current virtual time.
func (c *Clock) VirtualNow() time.Time { return c.ToVirtual(c.RealNow()) }

// ToVirtual converts a real instant to virtual time.
func (c *Clock) ToVirtual(real time.Time) time.Time {
	s := c.scale()
	if s == 1 {
		return real.UTC()
	}
	return c.Origin.Add(time.Duration(float64(real.Sub(c.Origin)) * s)).UTC()
}

// ToReal converts a virtual instant to real time.
func (c *Clock) ToReal(virtual time.Time) time.Time {
	s := c.scale()
	if s == 1 {
		return virtual.UTC()
	}
	return c.Origin.Add(time.Duration(float64(virtual.Sub(c.Origin)) / s)).UTC()
}
