package app

import (
	"log/slog"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/shopify"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/stripe"
	"github.com/aftersale/aftersale/web"
	"github.com/aftersale/aftersale/woocommerce"
)

// webhooks returns the shop platforms whose secrets are set.
func webhooks(cfg Config) (map[string]web.Webhook, error) {
	kinds := cfg.ItemKinds.Rules()
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

// memberMailer makes the sender of a member's own SMTP server, for
// personal emails: one connection, signed like the install's mail. A member
// chose the server, so it may not be on an internal address unless an
// owner allowed that (allowPrivate), never on a link-local or cloud
// metadata address, and a failed connection does not say why
// (smtp.WithPublicOnly, WithPrivateAllowed).
func memberMailer(dkim *smtp.DKIMConfig, log *slog.Logger) func(string, bool) (aftersale.Mailer, error) {
	return func(url string, allowPrivate bool) (aftersale.Mailer, error) {
		opts := []smtp.Option{smtp.WithIdleTimeout(-1)}
		if dkim != nil {
			opts = append(opts, smtp.WithDKIM(*dkim))
		}
		if allowPrivate {
			opts = append(opts, smtp.WithPrivateAllowed(log))
		} else {
			opts = append(opts, smtp.WithPublicOnly(log))
		}
		return smtp.New(url, opts...)
	}
}
