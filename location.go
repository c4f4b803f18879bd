package aftersale

import (
	"sync"
	"time"
)

// locations caches loaded time zones: time.LoadLocation reads the zone
// database from disk on every call. Only zones that load are kept, so the
// cache is bounded by the zone database.
var locations sync.Map // string → *time.Location

// LoadLocation is time.LoadLocation with a cache, for the per-event and
// per-email time zone lookups.
func LoadLocation(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}
