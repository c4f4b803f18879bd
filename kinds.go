package aftersale

import (
	"fmt"
	"slices"
	"strings"
)

// KindRules say what kind each line of a shop's order is, for the shop
// platforms (Shopify, Stripe, WooCommerce) and the CSV import, which do not
// know aftersale's item kinds. Rules are tried in order; the first that
// matches wins. Without a match, a line that ships is physical and any
// other line digital (a platform may name a default of its own, e.g. a
// Stripe subscription is a membership).
type KindRules struct {
	rules []kindRule
}

type kindRule struct {
	field string // "sku" (a prefix of the SKU) or "type" (the product type, whole)
	value string // compared without regard to case
	kind  ItemKind
}

// ParseKindRules parses rules such as
//
//	sku:COURSE-=course, sku:COACH=coaching, type:Gift card=digital
//
// Each rule is FIELD:VALUE=KIND, separated by commas or semicolons: FIELD
// is sku (the SKU starts with VALUE) or type (the product type is VALUE),
// compared without regard to case; KIND is one of ItemKinds. An empty
// string is no rules.
func ParseKindRules(s string) (*KindRules, error) {
	r := &KindRules{}
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
		field = strings.ToLower(strings.TrimSpace(field))
		if field != "sku" && field != "type" {
			return nil, fmt.Errorf("kind rule %q: the field is %q; want sku or type", part, field)
		}
		value = strings.TrimSpace(value)
		if value == "" {
			return nil, fmt.Errorf("kind rule %q: the value is empty", part)
		}
		k := ItemKind(strings.ToLower(strings.TrimSpace(kind)))
		if !slices.Contains(ItemKinds, k) {
			return nil, fmt.Errorf("kind rule %q: unknown kind %q; want one of %v", part, k, ItemKinds)
		}
		r.rules = append(r.rules, kindRule{field: field, value: strings.ToLower(value), kind: k})
	}
	return r, nil
}

// Kind returns the kind of a line with the SKU and product type. ships says
// whether the line needs shipping; fallback, when not "", replaces digital
// as the kind of a line that does not ship and matches no rule.
func (r *KindRules) Kind(sku, productType string, ships bool, fallback ItemKind) ItemKind {
	if r != nil {
		sku, productType = strings.ToLower(sku), strings.ToLower(strings.TrimSpace(productType))
		for _, rule := range r.rules {
			switch {
			case rule.field == "sku" && sku != "" && strings.HasPrefix(sku, rule.value):
				return rule.kind
			case rule.field == "type" && productType != "" && productType == rule.value:
				return rule.kind
			}
		}
	}
	switch {
	case ships:
		return KindPhysical
	case fallback != "":
		return fallback
	}
	return KindDigital
}

// Len returns the number of rules.
func (r *KindRules) Len() int {
	if r == nil {
		return 0
	}
	return len(r.rules)
}
