package aftersale

import "strings"

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

// A KindRule gives the kind of the lines it matches: Field is "sku" (the
// SKU starts with Value) or "type" (the product type is Value), compared
// without regard to case. The settings (package config) read and check
// them.
type KindRule struct {
	Field string
	Value string
	Kind  ItemKind
}

// NewKindRules returns the rules, tried in order.
func NewKindRules(rules []KindRule) *KindRules {
	r := &KindRules{}
	for _, k := range rules {
		r.rules = append(r.rules, kindRule{field: strings.ToLower(strings.TrimSpace(k.Field)), value: strings.ToLower(strings.TrimSpace(k.Value)), kind: k.Kind})
	}
	return r
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
