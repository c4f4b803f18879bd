package aftersale

import (
	"strings"
	"testing"
)

func TestCarriers(t *testing.T) {
	t.Parallel()
	c, err := ParseCarriers("PostNord=https://tracking.postnord.com/?id={number}; UPS=https://ups.example/t/{number}", "UPS=4, Royal Mail=2, *=9")
	if err != nil {
		t.Fatal(err)
	}
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
	if d, _ := ParseCarriers("", ""); d.TransitDays("unknown") != DefaultTransitDays {
		t.Errorf("default transit days = %d", d.TransitDays("unknown"))
	}
	var nilC *Carriers
	if nilC.TrackingURL("UPS", "1") != "" || nilC.TransitDays("UPS") != DefaultTransitDays {
		t.Error("a nil table is not empty")
	}
}

func TestCarriersErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ urls, days, want string }{
		{"UPS", "", "want Carrier=https"},
		{"UPS=https://ups.example/t/", "", "must contain {number}"},
		{"UPS=ftp://ups.example/{number}", "", "not an http(s) URL"},
		{"=https://x.example/{number}", "", "want Carrier=https"},
		{"", "UPS=0", "1 to 90 days"},
		{"", "UPS=many", "1 to 90 days"},
		{"", "UPS", "1 to 90 days"},
		{"", "-=3", "no carrier name"},
	} {
		_, err := ParseCarriers(tc.urls, tc.days)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseCarriers(%q, %q) = %v, want an error with %q", tc.urls, tc.days, err, tc.want)
		}
	}
}

func FuzzParseCarriers(f *testing.F) {
	f.Add("UPS=https://ups.example/t/{number}", "UPS=4,*=7")
	f.Add("a=b;c", "x=1;y=90")
	f.Fuzz(func(t *testing.T, urls, days string) {
		c, err := ParseCarriers(urls, days)
		if err != nil {
			return
		}
		if d := c.TransitDays("whoever"); d < 1 || d > 90 {
			t.Fatalf("transit days %d out of range", d)
		}
		if u := c.TrackingURL("UPS", "1Z"); u != "" && !strings.HasPrefix(u, "http") {
			t.Fatalf("tracking URL %q", u)
		}
	})
}
