package aftersale

import "testing"

func TestCarriers(t *testing.T) {
	t.Parallel()
	c := NewCarriers(map[string]string{"PostNord": "https://tracking.postnord.com/?id={number}", "UPS": "https://ups.example/t/{number}"},
		map[string]int{"UPS": 4, "Royal Mail": 2}, 9)
	for _, tc := range []struct{ carrier, number, want string }{
		{"UPS", "1Z 999", "https://ups.example/t/1Z+999"}, // configured replaces built-in; number escaped
		{"ups", "1Z999", "https://ups.example/t/1Z999"},
		{"Post Nord", "PN1", "https://tracking.postnord.com/?id=PN1"},
		{"FedEx", "123", "https://www.fedex.com/fedextrack/?trknbr=123"},
		{"royal-mail", "RM1", "https://www.royalmail.com/track-your-item#/tracking-results/RM1"},
		{"Nobody Express", "1", ""},
		{"UPS", "  ", ""},
	} {
		if got := c.TrackingURL(tc.carrier, tc.number); got != tc.want {
			t.Errorf("TrackingURL(%q, %q) = %q, want %q", tc.carrier, tc.number, got, tc.want)
		}
	}
	for carrier, want := range map[string]int{"UPS": 4, "Royal Mail": 2, "DHL": 6, "Nobody Express": 9} {
		if got := c.TransitDays(carrier); got != want {
			t.Errorf("TransitDays(%q) = %d, want %d", carrier, got, want)
		}
	}
	if d := NewCarriers(nil, nil, 0); d.TransitDays("unknown") != DefaultTransitDays {
		t.Errorf("default transit days = %d", d.TransitDays("unknown"))
	}
	var nilC *Carriers
	if nilC.TrackingURL("UPS", "1") != "" || nilC.TransitDays("UPS") != DefaultTransitDays {
		t.Error("a nil table is not empty")
	}
}

func TestCarrierKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Royal Mail": "royalmail", "DHL-Express": "dhlexpress", " - ": ""} {
		if got := CarrierKey(in); got != want {
			t.Errorf("CarrierKey(%q) = %q, want %q", in, got, want)
		}
	}
}
