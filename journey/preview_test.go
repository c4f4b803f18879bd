package journey

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// ran returns the "what" of the entries that are not skipped.
func ran(entries []Entry) []string {
	var out []string
	for _, e := range entries {
		if !e.Skipped {
			out = append(out, e.What)
		}
	}
	return out
}

// find returns the entry of a step.
func find(t *testing.T, entries []Entry, journey, step string) Entry {
	t.Helper()
	for _, e := range entries {
		if e.Journey == journey && e.Step == step {
			return e
		}
	}
	t.Fatalf("no entry for %s/%s", journey, step)
	return Entry{}
}

func TestPreviewEveryKind(t *testing.T) {
	t.Parallel()
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	sample := PreviewOptions{HasPhone: true, Consent: true}
	common := []string{"thank_you", "who_uses", "personal_email", "day1_welcome", "call", "importance survey",
		"social_connect", "community_invite", "day3_answers", "day7_checkin", "performance survey", "offer 10% off"}
	tests := []struct {
		kind    aftersale.ItemKind
		has     []string
		hasNot  []string
		anchors []string
	}{
		{aftersale.KindPhysical, []string{"shipping_expectations", "shipment_update", "did_it_arrive"}, []string{"access", "first_session"}, []string{"shipment.shipped", "shipment.delivered", "delivery"}},
		{aftersale.KindDigital, []string{"access"}, []string{"shipping_expectations", "shipment_update", "did_it_arrive", "first_session"}, nil},
		{aftersale.KindCourse, []string{"access"}, []string{"shipping_expectations", "shipment_update", "first_session"}, nil},
		{aftersale.KindMembership, []string{"access"}, []string{"shipping_expectations", "shipment_update", "first_session"}, nil},
		{aftersale.KindCoaching, []string{"first_session"}, []string{"access", "shipping_expectations", "shipment_update"}, nil},
		{aftersale.KindService, []string{"first_session"}, []string{"access", "shipping_expectations", "did_it_arrive"}, nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			entries, err := set.Preview(tt.kind, sample)
			if err != nil {
				t.Fatal(err)
			}
			got := ran(entries)
			for _, w := range append(common, tt.has...) {
				if !slices.Contains(got, w) {
					t.Errorf("missing %s in %v", w, got)
				}
			}
			for _, w := range append(tt.hasNot, "refund_thanks") {
				if slices.Contains(got, w) {
					t.Errorf("unexpected %s in %v", w, got)
				}
			}
			// With a phone number, no second personal email.
			if e := find(t, entries, "default", "second-personal-email"); !e.Skipped || e.Note != "skipped: if not has_phone is false" {
				t.Errorf("second personal email = %+v", e)
			}
			for i := 1; i < len(entries); i++ {
				if entries[i].At.Before(entries[i-1].At) {
					t.Fatalf("entries not sorted: %v before %v", entries[i-1], entries[i])
				}
			}
			purchase := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
			first := entries[0]
			if first.What != "thank_you" || first.Offset != 0 || !first.At.Equal(purchase) || first.Anchor != "purchase" {
				t.Errorf("first entry = %+v", first)
			}
			for _, e := range entries {
				if !e.At.Equal(purchase.Add(e.Offset)) {
					t.Errorf("%s: At %v and Offset %v disagree", e.Step, e.At, e.Offset)
				}
			}
			// With consent, the day-30 check-in comes with the offer, as one email.
			if e := find(t, entries, "default", "insider-offer"); e.Offset != 30*24*time.Hour || e.Skipped {
				t.Errorf("day 30 check-in with the offer = %+v", e)
			}
			if e := find(t, entries, "default", "day30-checkin"); e.Offset != 30*24*time.Hour || !e.Skipped {
				t.Errorf("day 30 check-in without the offer = %+v, want skipped", e)
			}
			// The sample buyer is neither engaged nor satisfied yet.
			if e := find(t, entries, "default", "next-level"); e.Offset != 45*24*time.Hour || e.What != "next-level offer" || !e.Skipped {
				t.Errorf("next-level = %+v", e)
			}
			if e := find(t, entries, "default", "personal-email"); e.Offset != 0 || e.Type != aftersale.StepTask || e.Note != "due within 1bd" {
				t.Errorf("personal email (appears at once, due within 1bd) = %+v", e)
			}
			for _, a := range tt.anchors {
				if !slices.ContainsFunc(entries, func(e Entry) bool { return e.Anchor == a }) {
					t.Errorf("no entry anchored at %s", a)
				}
			}
		})
	}
}

func TestPreviewPhysicalTimes(t *testing.T) {
	t.Parallel()
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := set.Preview(aftersale.KindPhysical, PreviewOptions{HasPhone: true, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	e := find(t, entries, "shipping", "did-it-arrive")
	if e.Offset != 4*24*time.Hour+4*time.Hour || e.Note != "assumes delivery on day 3" || e.Anchor != "delivery" {
		t.Errorf("did it arrive = %+v", e)
	}
	if e := find(t, entries, "shipping", "shipped"); e.Offset != 29*time.Hour {
		t.Errorf("shipped = %+v", e)
	}
	for _, e := range entries {
		if e.Step == "exception" {
			t.Errorf("a shipment exception is not part of the sample: %+v", e)
		}
	}
}

func TestPreviewOptions(t *testing.T) {
	t.Parallel()
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	// A Friday evening purchase in New York, no phone, no consent.
	ny, _ := time.LoadLocation("America/New_York")
	friday := time.Date(2026, 2, 27, 20, 30, 0, 0, ny)
	entries, err := set.Preview(aftersale.KindDigital, PreviewOptions{Timezone: "America/New_York", PurchasedAt: friday})
	if err != nil {
		t.Fatal(err)
	}
	if e := find(t, entries, "default", "welcome-call"); !e.Skipped || e.Note != "skipped: if has_phone is false" {
		t.Errorf("call = %+v", e)
	}
	if e := find(t, entries, "default", "second-personal-email"); e.Skipped {
		t.Errorf("second personal email skipped: %+v", e)
	}
	if e := find(t, entries, "default", "insider-offer"); !e.Skipped {
		t.Errorf("offer without consent: %+v", e)
	}
	if e := find(t, entries, "default", "day30-checkin"); e.Skipped || e.What != "day30_checkin" {
		t.Errorf("day 30 check-in without consent: %+v", e)
	}
	// The personal email task appears at once (Friday 20:30 local).
	if e := find(t, entries, "default", "personal-email"); !e.At.Equal(time.Date(2026, 2, 27, 20, 30, 0, 0, ny)) || e.At.Location().String() != "America/New_York" {
		t.Errorf("personal email at %v", e.At)
	}
	// Day 1 at 20:30 is before quiet hours (21:00).
	if e := find(t, entries, "default", "day1-welcome"); !e.At.Equal(time.Date(2026, 2, 28, 20, 30, 0, 0, ny)) {
		t.Errorf("day 1 welcome at %v", e.At)
	}
	// The access email is right away: 20:30.
	if e := find(t, entries, "default", "access"); e.Skipped || e.Offset != 0 {
		t.Errorf("access = %+v", e)
	}

	// Quiet hours from the options' schedule; its clock is ignored.
	late := time.Date(2026, 3, 2, 22, 30, 0, 0, time.UTC)
	entries, err = set.Preview(aftersale.KindDigital, PreviewOptions{PurchasedAt: late, Schedule: &Schedule{Clock: &aftersale.Clock{Scale: 86400}}})
	if err != nil {
		t.Fatal(err)
	}
	if e := find(t, entries, "default", "day1-welcome"); e.Offset != 24*time.Hour {
		t.Errorf("without quiet hours, day 1 at offset %v", e.Offset)
	}
	entries, _ = set.Preview(aftersale.KindDigital, PreviewOptions{PurchasedAt: late})
	if e := find(t, entries, "default", "day1-welcome"); !e.At.Equal(time.Date(2026, 3, 4, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("with default quiet hours, day 1 at %v", e.At)
	}

	if _, err := set.Preview("vinyl", PreviewOptions{}); aftersale.ErrorCode(err) != aftersale.EINVALID {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := set.Preview(aftersale.KindDigital, PreviewOptions{Timezone: "Mars/Base"}); aftersale.ErrorCode(err) != aftersale.EINVALID {
		t.Errorf("unknown zone: %v", err)
	}
}

func TestPreviewBookingAndConditions(t *testing.T) {
	t.Parallel()
	js, err := Parse("coaching.yaml", []byte(`id: coaching
when: has_kind("coaching")
steps:
  - id: reminder
    type: email
    template: session_reminder
    after: booking
    wait: -1d
  - id: soon
    type: email
    template: session_soon
    after: booking
    wait: -2h
  - id: not-yet
    type: task
    task: call
    wait: 1d
    if: not booked
  - id: nudge
    type: email
    template: nudge
    after: access
    wait: 1d
  - id: user-check
    type: email
    template: user_check
    if: has_user
`))
	if err != nil {
		t.Fatal(err)
	}
	set, err := NewSet(js...)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := set.Preview(aftersale.KindCoaching, PreviewOptions{HasUser: true})
	if err != nil {
		t.Fatal(err)
	}
	// The session is on day 2 at 10:00.
	if e := find(t, entries, "coaching", "reminder"); e.Offset != 24*time.Hour || e.Note != "assumes a session on day 2 at 10:00" {
		t.Errorf("reminder = %+v", e)
	}
	if e := find(t, entries, "coaching", "soon"); e.Offset != 46*time.Hour {
		t.Errorf("soon = %+v", e)
	}
	// The booking is made an hour after purchase: by day 1 it is booked.
	if e := find(t, entries, "coaching", "not-yet"); !e.Skipped {
		t.Errorf("not-yet = %+v", e)
	}
	if e := find(t, entries, "coaching", "user-check"); e.Skipped {
		t.Errorf("user-check = %+v", e)
	}
	for _, e := range entries {
		if e.Step == "nudge" {
			t.Errorf("coaching has no access event: %+v", e)
		}
	}
	// The journey's when is false for a digital purchase.
	if entries, _ := set.Preview(aftersale.KindDigital, PreviewOptions{}); len(entries) != 0 {
		t.Errorf("digital preview of a coaching journey = %v", entries)
	}
}

func TestFormatTimeline(t *testing.T) {
	t.Parallel()
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := set.Preview(aftersale.KindPhysical, PreviewOptions{HasPhone: true, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	out := FormatTimeline(entries)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(entries) {
		t.Fatalf("%d lines for %d entries:\n%s", len(lines), len(entries), out)
	}
	for _, want := range []string{
		"day 0   Mon 02 Mar 10:00  email   thank_you              default/thank-you",
		"day 4   Fri 06 Mar 14:00  email   did_it_arrive          shipping/did-it-arrive         assumes delivery on day 3",
		"day 30  Wed 01 Apr 10:00  offer   offer 10% off          default/insider-offer",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("no line %q in\n%s", want, out)
		}
	}
	if FormatTimeline(nil) != "" {
		t.Error("empty timeline is not empty")
	}
}
