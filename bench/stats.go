package main

import (
	"math"
	"slices"
	"time"
)

// Durations are recorded samples; percentiles are exact (nearest rank over
// every sample), not estimated from buckets.
type Durations []time.Duration

// Sort sorts the samples; Percentile needs it.
func (d Durations) Sort() { slices.Sort(d) }

// Percentile returns the nearest-rank q-quantile (0 < q <= 1) of sorted
// samples: the smallest sample with at least q of all samples at or below
// it. It returns 0 for no samples.
func (d Durations) Percentile(q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(d)))) - 1
	return d[min(max(i, 0), len(d)-1)]
}

// Max returns the largest of sorted samples.
func (d Durations) Max() time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[len(d)-1]
}

// Median returns the median of unsorted samples.
func median(d []time.Duration) time.Duration {
	s := slices.Clone(Durations(d))
	s.Sort()
	return s.Percentile(0.5)
}
