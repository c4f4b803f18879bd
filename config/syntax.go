package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale"
)

// The one-line syntaxes of the older AFTERSALE_* variables, kept so that
// they still work as overrides; a settings file writes the same settings
// as YAML lists and maps.

// ParseKindRules reads AFTERSALE_ITEM_KINDS, rules such as
//
//	sku:COURSE-=course, sku:COACH=coaching, type:Gift card=digital
//
// Each rule is FIELD:VALUE=KIND, separated by commas, semicolons or new
// lines: FIELD is sku (the SKU starts with VALUE) or type (the product
// type is VALUE); KIND is one of aftersale.ItemKinds. An empty string is
// no rules.
func ParseKindRules(s string) (KindRules, error) {
	var out KindRules
	for _, part := range strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ';' || c == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		cond, kind, ok := strings.Cut(part, "=")
		field, value, ok2 := strings.Cut(cond, ":")
		if !ok || !ok2 {
			return nil, fmt.Errorf("kind rule %q: want FIELD:VALUE=KIND, e.g. sku:COURSE-=course", part)
		}
		field, value = strings.ToLower(strings.TrimSpace(field)), strings.TrimSpace(value)
		if field != "sku" && field != "type" {
			return nil, fmt.Errorf("kind rule %q: the field is %q; want sku or type", part, field)
		}
		if value == "" {
			return nil, fmt.Errorf("kind rule %q: the value is empty", part)
		}
		k := strings.ToLower(strings.TrimSpace(kind))
		if !slices.Contains(aftersale.ItemKinds, aftersale.ItemKind(k)) {
			return nil, fmt.Errorf("kind rule %q: unknown kind %q; want one of %v", part, k, aftersale.ItemKinds)
		}
		r := KindRule{Kind: k}
		if field == "sku" {
			r.SKU = value
		} else {
			r.Type = value
		}
		out = append(out, r)
	}
	return out, nil
}

// ParseNextLevel reads AFTERSALE_NEXT_LEVEL: entries separated by ";" or
// new lines, each "MATCH=Name|https://url|Description" (the description
// is optional), where MATCH is an item SKU or "kind:KIND".
func ParseNextLevel(spec string) ([]NextLevel, error) {
	var out []NextLevel
	for _, e := range strings.FieldsFunc(spec, func(r rune) bool { return r == ';' || r == '\n' }) {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		match, rest, ok := strings.Cut(e, "=")
		match = strings.TrimSpace(match)
		parts := strings.SplitN(rest, "|", 3)
		if !ok || match == "" || len(parts) < 2 {
			return nil, fmt.Errorf("next-level entry %q: want MATCH=Name|https://url|Description", e)
		}
		n := NextLevel{SKU: match, Name: strings.TrimSpace(parts[0]), URL: strings.TrimSpace(parts[1])}
		if k, isKind := strings.CutPrefix(match, "kind:"); isKind {
			if !slices.Contains(aftersale.ItemKinds, aftersale.ItemKind(k)) {
				return nil, fmt.Errorf("next-level entry %q: unknown item kind %q", e, k)
			}
			n.SKU, n.Kind = "", k
		}
		if len(parts) == 3 {
			n.Description = strings.TrimSpace(parts[2])
		}
		if n.Name == "" || !httpURL(n.URL) {
			return nil, fmt.Errorf("next-level entry %q: want a name and an http(s) URL", e)
		}
		out = append(out, n)
	}
	return out, nil
}

// ParseQualities reads AFTERSALE_QUALITIES, a catalogue such as
// "responsiveness=Quick answers, expertise=Knowing our stuff": KEY=LABEL
// pairs (or bare keys, labelled from the key) separated by commas,
// semicolons or new lines. An empty string gives the default catalogue.
func ParseQualities(s string) ([]Quality, error) {
	if strings.TrimSpace(s) == "" {
		return Defaults().Surveys.Qualities, nil
	}
	var out []Quality
	for _, part := range strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ';' || c == '\n' }) {
		key, label, _ := strings.Cut(strings.TrimSpace(part), "=")
		if key = strings.TrimSpace(key); key != "" {
			out = append(out, Quality{Key: key, Label: strings.TrimSpace(label)})
		}
	}
	sv := Surveys{Qualities: out}
	c := &checker{}
	sv.normalize(c)
	if len(out) < 2 {
		return nil, fmt.Errorf("name at least two qualities")
	}
	if len(c.errs) > 0 {
		return nil, fmt.Errorf("%s", c.errs[0].Msg)
	}
	return sv.Qualities, nil
}

// ParseReturnReasons reads AFTERSALE_RETURN_REASONS, reasons separated by
// ";" or new lines; empty entries are dropped and an empty spec gives the
// defaults.
func ParseReturnReasons(spec string) ([]string, error) {
	var out []string
	for _, r := range strings.FieldsFunc(spec, func(c rune) bool { return c == ';' || c == '\n' }) {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if len(r) > 120 {
			return nil, fmt.Errorf("return reason %q is longer than 120 characters", r[:40]+"…")
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return Defaults().Returns.Reasons, nil
	}
	return out, nil
}

// ParseTrackingURLs reads AFTERSALE_TRACKING_URLS: "Name=https://…{number}"
// entries separated by ";" or new lines. Names may contain spaces.
func ParseTrackingURLs(s string) ([]TrackingURL, error) {
	var out []TrackingURL
	for _, e := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' }) {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		name, tmpl, ok := strings.Cut(e, "=")
		tmpl = strings.TrimSpace(tmpl)
		if !ok || aftersale.CarrierKey(name) == "" {
			return nil, fmt.Errorf("tracking URL entry %q: want Carrier=https://…{number}", e)
		}
		if !strings.Contains(tmpl, "{number}") {
			return nil, fmt.Errorf("tracking URL of %s: the template must contain {number}", name)
		}
		if !httpURL(strings.ReplaceAll(tmpl, "{number}", "X")) {
			return nil, fmt.Errorf("tracking URL of %s: %q is not an http(s) URL", name, tmpl)
		}
		out = append(out, TrackingURL{Carrier: strings.TrimSpace(name), URL: tmpl})
	}
	return out, nil
}

// ParseCarrierDays reads AFTERSALE_CARRIER_DAYS: "Name=5" entries
// separated by ",", ";" or new lines, where the name "*" sets the transit
// time of any other carrier (defaultDays, 0 when not given).
func ParseCarrierDays(s string) (days []TransitDays, defaultDays int, err error) {
	for _, e := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		name, n, ok := strings.Cut(e, "=")
		d, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err != nil || d < 1 || d > 90 {
			return nil, 0, fmt.Errorf("carrier days entry %q: want Carrier=DAYS with 1 to 90 days", e)
		}
		if strings.TrimSpace(name) == "*" {
			defaultDays = d
			continue
		}
		if aftersale.CarrierKey(name) == "" {
			return nil, 0, fmt.Errorf("carrier days entry %q: no carrier name", e)
		}
		days = append(days, TransitDays{Carrier: strings.TrimSpace(name), Days: d})
	}
	return days, defaultDays, nil
}

// ParseRates reads AFTERSALE_SEND_RATE_DOMAINS, per-domain rate limits
// written "gmail.com=300,yahoo.com=120".
func ParseRates(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		domain, n, ok := strings.Cut(part, "=")
		v, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err != nil || v < 0 || strings.TrimSpace(domain) == "" {
			return nil, fmt.Errorf("%q is not like gmail.com=300", part)
		}
		out[strings.ToLower(strings.TrimSpace(domain))] = v
	}
	return out, nil
}
