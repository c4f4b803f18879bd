package app

import (
	"fmt"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/shopify"
	"github.com/aftersale/aftersale/stripe"
	"github.com/aftersale/aftersale/web"
	"github.com/aftersale/aftersale/woocommerce"
)

// webhooks returns the shop platforms whose secrets are set.
func webhooks(cfg Config) (map[string]web.Webhook, error) {
	kinds, err := aftersale.ParseKindRules(cfg.ItemKinds)
	if err != nil {
		return nil, fmt.Errorf("AFTERSALE_ITEM_KINDS: %w", err)
	}
	hooks := map[string]web.Webhook{}
	if cfg.ShopifySecret != "" {
		hooks["shopify"] = &shopify.Decoder{Secret: []byte(cfg.ShopifySecret), Kinds: kinds}
	}
	if cfg.StripeSecret != "" {
		hooks["stripe"] = &stripe.Decoder{Secret: cfg.StripeSecret, Kinds: kinds}
	}
	if cfg.WooCommerceSecret != "" {
		hooks["woocommerce"] = &woocommerce.Decoder{Secret: []byte(cfg.WooCommerceSecret), Kinds: kinds}
	}
	return hooks, nil
}
