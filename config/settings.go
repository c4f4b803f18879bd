// Package config owns aftersale's settings: the business settings of the
// settings file (aftersale.yaml), the process settings of the environment
// (addresses, URLs and secrets), their built-in defaults, the AFTERSALE_*
// overrides of every file setting (with their older one-line syntaxes), and
// the checks of all of them. The precedence is: built-in default < settings
// file < environment variable or flag.
package config

import (
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/phone"
)

// Settings is the whole configuration of an install. The zero value is
// usable: Normalize gives every empty setting that needs one its default,
// like Defaults does.
type Settings struct {
	// Process is set by the environment and flags only, never the file.
	Process `yaml:"-"`

	// Journeys is a journey file or folder that replaces the built-in
	// journeys ("" for the built-in ones). A relative path in a settings
	// file is relative to the file's folder.
	Journeys string `yaml:"journeys"`
	// Timezone is the time zone of customers whose events name none.
	Timezone string `yaml:"timezone"`
	// QuietHours are the customer-local hours, "21:00-08:00", in which
	// delayed steps are not sent; "off" disables them.
	QuietHours string `yaml:"quiet_hours"`
	// PhoneRegion is the ISO 3166 region of phone numbers written without
	// a country code.
	PhoneRegion string `yaml:"phone_region"`

	Sender    Sender    `yaml:"sender"`
	Mail      Mail      `yaml:"mail"`
	ItemKinds KindRules `yaml:"item_kinds"`
	Tasks     Tasks     `yaml:"tasks"`
	Surveys   Surveys   `yaml:"surveys"`
	Shipping  Shipping  `yaml:"shipping"`
	Returns   Returns   `yaml:"returns"`
	Insiders  Insiders  `yaml:"insiders"`

	// src tells where values came from, for errors: the file and its
	// lines, and the settings an environment variable replaced.
	src *source
}

// Process is what the environment (or flags) sets and a settings file
// may not: where the service listens and stores, its public URL, the mail
// server and the secrets. These variables are a fixed interface. The
// struct tags are the flags of `aftersale serve`.
type Process struct {
	Addr        string `name:"addr" env:"AFTERSALE_ADDR" default:"127.0.0.1:8080" help:"Address to listen on."`
	DataDir     string `name:"data-dir" env:"AFTERSALE_DATA_DIR" default:"./aftersale-data" help:"Folder of the embedded SQLite database, the outbox and (optionally) aftersale.yaml."`
	DatabaseURL string `name:"database-url" env:"AFTERSALE_DATABASE_URL" help:"A postgres:// URL switches storage and jobs to PostgreSQL (default: embedded SQLite)."`
	BaseURL     string `name:"base-url" env:"AFTERSALE_BASE_URL" help:"Public URL of this install, for links in email (default: http://ADDR)."`
	SMTPURL     string `name:"smtp-url" env:"AFTERSALE_SMTP_URL" help:"smtp://[user:pass@]host:port (smtps:// for implicit TLS). Without it mail goes to the outbox folder in the data dir."`
	APIKey      string `name:"api-key" env:"AFTERSALE_API_KEY" help:"Key accepted as Authorization: Bearer KEY on /api (the API is refused without one)."`
	// TimeScale divides every journey delay; 0 means 1.
	TimeScale         float64 `name:"time-scale" env:"AFTERSALE_TIME_SCALE" default:"1" help:"Divides every journey delay (86400 makes a day pass in a second), on a virtual clock."`
	AdminEmail        string  `name:"admin-email" env:"AFTERSALE_ADMIN_EMAIL" help:"Email of the first admin (an owner), created at start if no member has it."`
	AdminPassword     string  `name:"admin-password" env:"AFTERSALE_ADMIN_PASSWORD" help:"Password of the first admin (at least 10 characters)."`
	ShopifySecret     string  `name:"shopify-secret" env:"AFTERSALE_SHOPIFY_SECRET" help:"Secret that signs Shopify webhooks (X-Shopify-Hmac-Sha256); enables POST /webhooks/shopify."`
	StripeSecret      string  `name:"stripe-webhook-secret" env:"AFTERSALE_STRIPE_WEBHOOK_SECRET" help:"Stripe webhook signing secret (whsec_...); enables POST /webhooks/stripe."`
	WooCommerceSecret string  `name:"woocommerce-secret" env:"AFTERSALE_WOOCOMMERCE_SECRET" help:"Secret of the WooCommerce webhooks (X-WC-Webhook-Signature); enables POST /webhooks/woocommerce."`
}

// Sender is who journey email comes from and whom customers can reach.
type Sender struct {
	// From is the sender, "Name <address>".
	From string `yaml:"from"`
	// BusinessName is the name in email and pages ("": the From name).
	BusinessName string `yaml:"business_name"`
	// SupportEmail is where customers get support ("": the From address).
	SupportEmail    string `yaml:"support_email"`
	SupportURL      string `yaml:"support_url"`
	EscalationEmail string `yaml:"escalation_email"`
	ResourcesURL    string `yaml:"resources_url"`
	CommunityURL    string `yaml:"community_url"`
}

// Mail is how mail leaves: DKIM signing (all three or none), the envelope
// sender that bounces go to, the listener of bounce and complaint reports,
// and the pace.
type Mail struct {
	DKIMDomain    string `yaml:"dkim_domain"`
	DKIMSelector  string `yaml:"dkim_selector"`
	DKIMKeyFile   string `yaml:"dkim_key_file"`
	BounceAddress string `yaml:"bounce_address"`
	// BounceListen is host:port of the SMTP listener of bounce reports;
	// "" disables it.
	BounceListen string `yaml:"bounce_listen"`
	// SendRate is messages a minute to each recipient domain (0: no
	// limit); SendRateDomains overrides it per domain.
	SendRate        int            `yaml:"send_rate"`
	SendRateDomains map[string]int `yaml:"send_rate_domains"`
	// SMTPConnections is how many connections to the SMTP server may carry
	// messages at once; 0 means 8.
	SMTPConnections int `yaml:"smtp_connections"`
}

// A KindRule gives the kind of the shop order lines it matches: those
// whose SKU starts with SKU, or whose product type is Type (exactly one of
// the two), compared without regard to case.
type KindRule struct {
	SKU  string `yaml:"sku,omitempty"`
	Type string `yaml:"type,omitempty"`
	Kind string `yaml:"kind"`
}

// KindRules are tried in order; the first that matches wins. Without a
// match, a line that ships is physical and any other digital.
type KindRules []KindRule

// Rules returns the rules for the shop platforms and the CSV import.
func (k KindRules) Rules() *aftersale.KindRules {
	out := make([]aftersale.KindRule, 0, len(k))
	for _, r := range k {
		if r.SKU != "" {
			out = append(out, aftersale.KindRule{Field: "sku", Value: r.SKU, Kind: aftersale.ItemKind(r.Kind)})
		} else {
			out = append(out, aftersale.KindRule{Field: "type", Value: r.Type, Kind: aftersale.ItemKind(r.Kind)})
		}
	}
	return aftersale.NewKindRules(out)
}

// Tasks are the team's tasks.
type Tasks struct {
	// SLA is how long after its due time an open task counts as overdue
	// (the badge, the daily digest); 0 means at once.
	SLA time.Duration `yaml:"sla"`
}

// Quality is one service quality the surveys ask about.
type Quality struct {
	Key   string `yaml:"key"`
	Label string `yaml:"label"`
}

// Surveys are the service qualities asked about and the score that calls
// for a recovery call.
type Surveys struct {
	// Qualities, at least two; none means aftersale.DefaultQualities.
	Qualities []Quality `yaml:"qualities"`
	// RecoveryBelow: a recommendation score (0-10) below it creates a
	// recovery call for the owner; 0 means 7.
	RecoveryBelow int `yaml:"recovery_below"`
}

// Catalogue returns the qualities; nil when none are set (the engine then
// uses aftersale.DefaultQualities).
func (s Surveys) Catalogue() []aftersale.Quality {
	if len(s.Qualities) == 0 {
		return nil
	}
	out := make([]aftersale.Quality, len(s.Qualities))
	for i, q := range s.Qualities {
		out[i] = aftersale.Quality{Key: q.Key, Label: q.Label}
	}
	return out
}

// TrackingURL is the tracking page of a carrier beyond (or replacing) the
// built-in ones; URL contains {number}.
type TrackingURL struct {
	Carrier string `yaml:"carrier"`
	URL     string `yaml:"url"`
}

// TransitDays is the usual transit time of a carrier.
type TransitDays struct {
	Carrier string `yaml:"carrier"`
	Days    int    `yaml:"days"`
}

// Shipping is about carriers and late packages.
type Shipping struct {
	TrackingURLs []TrackingURL `yaml:"tracking_urls"`
	CarrierDays  []TransitDays `yaml:"carrier_days"`
	// DefaultTransitDays is the usual transit time of a carrier nobody
	// listed; 0 means aftersale.DefaultTransitDays.
	DefaultTransitDays int `yaml:"default_transit_days"`
	// DeliveryMarginDays are the days past a carrier's usual transit time
	// before a package counts as late; 0 means 3.
	DeliveryMarginDays int `yaml:"delivery_margin_days"`
}

// Carriers returns the carrier table: the built-in one with these entries.
func (s Shipping) Carriers() *aftersale.Carriers {
	urls, days := map[string]string{}, map[string]int{}
	for _, t := range s.TrackingURLs {
		urls[t.Carrier] = t.URL
	}
	for _, d := range s.CarrierDays {
		days[d.Carrier] = d.Days
	}
	return aftersale.NewCarriers(urls, days, s.DefaultTransitDays)
}

// Returns is the returns policy.
type Returns struct {
	// Address is where customers send returns (several lines).
	Address  string `yaml:"address"`
	LabelURL string `yaml:"label_url"`
	// RefundDays are the business days after a return arrives until the
	// money is back; 0 means 5.
	RefundDays int `yaml:"refund_days"`
	// WindowDays are the days after a purchase that a return may be
	// started; 0 means no limit.
	WindowDays int `yaml:"window_days"`
	// Reasons offered on the returns page; none means the defaults.
	Reasons []string `yaml:"reasons"`
}

// Policy returns what the returns page and emails tell.
func (r Returns) Policy() aftersale.ReturnPolicy {
	return aftersale.ReturnPolicy{Address: r.Address, LabelURL: r.LabelURL, RefundDays: r.RefundDays,
		WindowDays: r.WindowDays, Reasons: r.Reasons}
}

// NextLevel proposes the next product for a purchase with an item whose
// SKU is SKU, or of the kind Kind (exactly one of the two).
type NextLevel struct {
	SKU         string `yaml:"sku,omitempty"`
	Kind        string `yaml:"kind,omitempty"`
	Name        string `yaml:"name"`
	URL         string `yaml:"url"`
	Description string `yaml:"description,omitempty"`
}

// Insiders are the offers and referrals of loyal customers.
type Insiders struct {
	// ShopURL is the shop's front page: where offers and referral links
	// lead.
	ShopURL string `yaml:"shop_url"`
	// ReferralRewardPercent off the code a referrer gets when their
	// referral buys (0: no reward), valid ReferralRewardDays (0: 60).
	ReferralRewardPercent int `yaml:"referral_reward_percent"`
	ReferralRewardDays    int `yaml:"referral_reward_days"`
	// NextLevel rules, the first that matches wins.
	NextLevel []NextLevel `yaml:"next_level"`
}

// Rules returns the next-level rules.
func (in Insiders) Rules() []aftersale.NextLevelRule {
	var out []aftersale.NextLevelRule
	for _, n := range in.NextLevel {
		match := n.SKU
		if n.Kind != "" {
			match = "kind:" + n.Kind
		}
		out = append(out, aftersale.NextLevelRule{Match: match, Name: n.Name, URL: n.URL, Description: n.Description})
	}
	return out
}

// Defaults returns the built-in settings.
func Defaults() Settings {
	s := Settings{
		Process:     Process{Addr: "127.0.0.1:8080", DataDir: "./aftersale-data", TimeScale: 1},
		Timezone:    "UTC",
		QuietHours:  "21:00-08:00",
		PhoneRegion: phone.DefaultRegion,
		Sender:      Sender{From: DefaultFrom},
		Mail:        Mail{SMTPConnections: 8},
		Tasks:       Tasks{SLA: 24 * time.Hour},
		Surveys:     Surveys{RecoveryBelow: 7},
		Shipping:    Shipping{DefaultTransitDays: aftersale.DefaultTransitDays, DeliveryMarginDays: 3},
		Returns:     Returns{RefundDays: 5, Reasons: append([]string(nil), aftersale.DefaultReturnReasons...)},
		Insiders:    Insiders{ReferralRewardPercent: 10, ReferralRewardDays: 60},
	}
	for _, q := range aftersale.DefaultQualities {
		s.Surveys.Qualities = append(s.Surveys.Qualities, Quality{Key: q.Key, Label: q.Label})
	}
	return s
}

// DefaultFrom is the sender when none is set.
const DefaultFrom = "aftersale <aftersale@localhost>"

// Business returns the details templates fill in. Call it after
// Normalize, which derives the name and support address from From.
func (s *Settings) Business() email.Business {
	return email.Business{Name: s.Sender.BusinessName, SupportEmail: s.Sender.SupportEmail,
		SupportURL: s.Sender.SupportURL, EscalationEmail: s.Sender.EscalationEmail,
		ResourcesURL: s.Sender.ResourcesURL, CommunityURL: s.Sender.CommunityURL, PhoneRegion: s.PhoneRegion}
}
