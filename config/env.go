package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Overrides are the AFTERSALE_* variables (and flags of `aftersale
// serve`) that replace a setting of the file, for automation. Each is
// text in the variable's own syntax (the older one-line syntaxes of the
// lists are kept); "" leaves the setting alone. The struct tags are the
// flags.
type Overrides struct {
	From        string `name:"from" env:"AFTERSALE_FROM" help:"Sender of journey email, e.g. \"Ana at Shop <hello@shop.example>\" (file: sender.from; default: aftersale <aftersale@localhost>)."`
	Journeys    string `name:"journeys" env:"AFTERSALE_JOURNEYS" help:"A journey file or folder that replaces the built-in journeys (a templates/ folder beside them overrides email templates) (file: journeys)."`
	Timezone    string `name:"timezone" env:"AFTERSALE_TIMEZONE" help:"Time zone of customers whose events name none (file: timezone; default UTC)."`
	QuietHours  string `name:"quiet-hours" env:"AFTERSALE_QUIET_HOURS" help:"Customer-local hours in which delayed steps are not sent, e.g. 21:00-08:00; off disables (file: quiet_hours)."`
	PhoneRegion string `name:"phone-region" env:"AFTERSALE_PHONE_REGION" help:"Region (ISO 3166 code) of phone numbers written without a country code (file: phone_region; default US)."`

	Business   string `name:"business-name" env:"AFTERSALE_BUSINESS_NAME" help:"Business name in email and pages (file: sender.business_name; default: the From name)."`
	Support    string `name:"support-email" env:"AFTERSALE_SUPPORT_EMAIL" help:"Where customers get support (file: sender.support_email; default: the From address)."`
	SupportURL string `name:"support-url" env:"AFTERSALE_SUPPORT_URL" help:"Help centre or support page (file: sender.support_url)."`
	Escalation string `name:"escalation-email" env:"AFTERSALE_ESCALATION_EMAIL" help:"Where to escalate when support did not help (file: sender.escalation_email)."`
	Resources  string `name:"resources-url" env:"AFTERSALE_RESOURCES_URL" help:"Resources or FAQ page for the day-3 email (file: sender.resources_url)."`
	Community  string `name:"community-url" env:"AFTERSALE_COMMUNITY_URL" help:"Private community to invite customers to (file: sender.community_url)."`

	DKIMDomain   string `name:"dkim-domain" env:"AFTERSALE_DKIM_DOMAIN" help:"Domain of the DKIM signature (d=) (file: mail.dkim_domain)."`
	DKIMSelector string `name:"dkim-selector" env:"AFTERSALE_DKIM_SELECTOR" help:"DKIM selector (s=) (file: mail.dkim_selector)."`
	DKIMKeyFile  string `name:"dkim-key-file" env:"AFTERSALE_DKIM_KEY_FILE" help:"PEM private key (RSA 2048, or Ed25519) that signs outgoing mail (file: mail.dkim_key_file)."`
	BounceAddr   string `name:"bounce-address" env:"AFTERSALE_BOUNCE_ADDRESS" help:"Envelope sender (Return-Path) that bounces go to (file: mail.bounce_address; default: the From address)."`
	BounceListen string `name:"bounce-listen" env:"AFTERSALE_BOUNCE_LISTEN" help:"host:port of an SMTP listener of bounce and complaint reports (file: mail.bounce_listen)."`
	SendRate     string `name:"send-rate" env:"AFTERSALE_SEND_RATE" help:"Messages a minute to each recipient domain, 0: no limit (file: mail.send_rate)."`
	SendRates    string `name:"send-rate-domains" env:"AFTERSALE_SEND_RATE_DOMAINS" help:"Per-domain limits, e.g. gmail.com=300,yahoo.com=120 (file: mail.send_rate_domains)."`
	SMTPConns    string `name:"smtp-connections" env:"AFTERSALE_SMTP_CONNECTIONS" help:"Connections to the SMTP server that may carry messages at once (file: mail.smtp_connections; default 8)."`

	ItemKinds string `name:"item-kinds" env:"AFTERSALE_ITEM_KINDS" help:"Rules giving the kind of shop order lines, e.g. \"sku:COURSE-=course, type:Coaching=coaching\" (file: item_kinds)."`
	TaskSLA   string `name:"task-sla" env:"AFTERSALE_TASK_SLA" help:"How long after its due time an open task counts as overdue, e.g. 24h (file: tasks.sla)."`

	Qualities     string `name:"qualities" env:"AFTERSALE_QUALITIES" help:"Service qualities the surveys ask about, e.g. \"speed=Quick answers, expertise=Knowing our stuff\" (file: surveys.qualities)."`
	RecoveryBelow string `name:"survey-recovery-below" env:"AFTERSALE_SURVEY_RECOVERY_BELOW" help:"A recommendation score (0-10) below this creates a recovery call (file: surveys.recovery_below; default 7)."`

	TrackingURLs   string `name:"tracking-urls" env:"AFTERSALE_TRACKING_URLS" help:"Tracking pages of more carriers, e.g. \"PostNord=https://tracking.postnord.com/?id={number}\"; separate entries with ; (file: shipping.tracking_urls)."`
	CarrierDays    string `name:"carrier-days" env:"AFTERSALE_CARRIER_DAYS" help:"Usual transit days per carrier, e.g. \"UPS=4,DHL=6,*=7\" (* is any other carrier) (file: shipping.carrier_days, shipping.default_transit_days)."`
	DeliveryMargin string `name:"delivery-margin-days" env:"AFTERSALE_DELIVERY_MARGIN_DAYS" help:"Days past a carrier's usual transit time before a package counts as late (file: shipping.delivery_margin_days; default 3)."`

	ReturnAddress string `name:"return-address" env:"AFTERSALE_RETURN_ADDRESS" help:"Where customers send returns; lines separated by \\n (file: returns.address)."`
	ReturnLabel   string `name:"return-label-url" env:"AFTERSALE_RETURN_LABEL_URL" help:"URL of a prepaid return label (file: returns.label_url)."`
	RefundDays    string `name:"return-refund-days" env:"AFTERSALE_RETURN_REFUND_DAYS" help:"Business days after a return arrives until the money is back (file: returns.refund_days; default 5)."`
	ReturnWindow  string `name:"return-window-days" env:"AFTERSALE_RETURN_WINDOW_DAYS" help:"Days after a purchase that a return may be started, 0: no limit (file: returns.window_days)."`
	ReturnReasons string `name:"return-reasons" env:"AFTERSALE_RETURN_REASONS" help:"Reasons offered on the returns page, separated by ; (file: returns.reasons)."`

	ShopURL       string `name:"shop-url" env:"AFTERSALE_SHOP_URL" help:"The shop's front page: where insider offers and referral links lead (file: insiders.shop_url)."`
	RewardPercent string `name:"referral-reward-percent" env:"AFTERSALE_REFERRAL_REWARD_PERCENT" help:"Percent off of the code a referrer gets, 0: no reward (file: insiders.referral_reward_percent; default 10)."`
	RewardDays    string `name:"referral-reward-days" env:"AFTERSALE_REFERRAL_REWARD_DAYS" help:"Days the referrer's reward code is valid (file: insiders.referral_reward_days; default 60)."`
	NextLevel     string `name:"next-level" env:"AFTERSALE_NEXT_LEVEL" help:"The next product per purchase, e.g. \"course-101=Mastermind|https://shop.example/mm|Six months; kind:digital=Coaching|https://shop.example/c\" (file: insiders.next_level)."`
}

// override sets the setting at path from a variable's text.
type override struct {
	path string
	set  func(s *Settings, v string) error
}

func text(f func(s *Settings) *string) func(*Settings, string) error {
	return func(s *Settings, v string) error { *f(s) = v; return nil }
}

func whole(f func(s *Settings) *int) func(*Settings, string) error {
	return func(s *Settings, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*f(s) = n
		return nil
	}
}

// overrides maps each variable of Overrides to the setting it replaces.
var overrides = map[string]override{
	"AFTERSALE_FROM":         {"sender.from", text(func(s *Settings) *string { return &s.Sender.From })},
	"AFTERSALE_JOURNEYS":     {"journeys", text(func(s *Settings) *string { return &s.Journeys })},
	"AFTERSALE_TIMEZONE":     {"timezone", text(func(s *Settings) *string { return &s.Timezone })},
	"AFTERSALE_QUIET_HOURS":  {"quiet_hours", text(func(s *Settings) *string { return &s.QuietHours })},
	"AFTERSALE_PHONE_REGION": {"phone_region", text(func(s *Settings) *string { return &s.PhoneRegion })},

	"AFTERSALE_BUSINESS_NAME":    {"sender.business_name", text(func(s *Settings) *string { return &s.Sender.BusinessName })},
	"AFTERSALE_SUPPORT_EMAIL":    {"sender.support_email", text(func(s *Settings) *string { return &s.Sender.SupportEmail })},
	"AFTERSALE_SUPPORT_URL":      {"sender.support_url", text(func(s *Settings) *string { return &s.Sender.SupportURL })},
	"AFTERSALE_ESCALATION_EMAIL": {"sender.escalation_email", text(func(s *Settings) *string { return &s.Sender.EscalationEmail })},
	"AFTERSALE_RESOURCES_URL":    {"sender.resources_url", text(func(s *Settings) *string { return &s.Sender.ResourcesURL })},
	"AFTERSALE_COMMUNITY_URL":    {"sender.community_url", text(func(s *Settings) *string { return &s.Sender.CommunityURL })},

	"AFTERSALE_DKIM_DOMAIN":      {"mail.dkim_domain", text(func(s *Settings) *string { return &s.Mail.DKIMDomain })},
	"AFTERSALE_DKIM_SELECTOR":    {"mail.dkim_selector", text(func(s *Settings) *string { return &s.Mail.DKIMSelector })},
	"AFTERSALE_DKIM_KEY_FILE":    {"mail.dkim_key_file", text(func(s *Settings) *string { return &s.Mail.DKIMKeyFile })},
	"AFTERSALE_BOUNCE_ADDRESS":   {"mail.bounce_address", text(func(s *Settings) *string { return &s.Mail.BounceAddress })},
	"AFTERSALE_BOUNCE_LISTEN":    {"mail.bounce_listen", text(func(s *Settings) *string { return &s.Mail.BounceListen })},
	"AFTERSALE_SEND_RATE":        {"mail.send_rate", whole(func(s *Settings) *int { return &s.Mail.SendRate })},
	"AFTERSALE_SMTP_CONNECTIONS": {"mail.smtp_connections", whole(func(s *Settings) *int { return &s.Mail.SMTPConnections })},
	"AFTERSALE_SEND_RATE_DOMAINS": {"mail.send_rate_domains", func(s *Settings, v string) (err error) {
		s.Mail.SendRateDomains, err = ParseRates(v)
		return err
	}},

	"AFTERSALE_ITEM_KINDS": {"item_kinds", func(s *Settings, v string) (err error) {
		s.ItemKinds, err = ParseKindRules(v)
		return err
	}},
	"AFTERSALE_TASK_SLA": {"tasks.sla", func(s *Settings, v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not a duration like 24h", v)
		}
		s.Tasks.SLA = d
		return nil
	}},

	"AFTERSALE_QUALITIES": {"surveys.qualities", func(s *Settings, v string) (err error) {
		s.Surveys.Qualities, err = ParseQualities(v)
		return err
	}},
	"AFTERSALE_SURVEY_RECOVERY_BELOW": {"surveys.recovery_below", whole(func(s *Settings) *int { return &s.Surveys.RecoveryBelow })},

	"AFTERSALE_TRACKING_URLS": {"shipping.tracking_urls", func(s *Settings, v string) (err error) {
		s.Shipping.TrackingURLs, err = ParseTrackingURLs(v)
		return err
	}},
	"AFTERSALE_CARRIER_DAYS": {"shipping.carrier_days", func(s *Settings, v string) error {
		days, def, err := ParseCarrierDays(v)
		if err != nil {
			return err
		}
		s.Shipping.CarrierDays = days
		if def > 0 {
			s.Shipping.DefaultTransitDays = def
		}
		return nil
	}},
	"AFTERSALE_DELIVERY_MARGIN_DAYS": {"shipping.delivery_margin_days", whole(func(s *Settings) *int { return &s.Shipping.DeliveryMarginDays })},

	"AFTERSALE_RETURN_ADDRESS": {"returns.address", func(s *Settings, v string) error {
		s.Returns.Address = strings.ReplaceAll(v, `\n`, "\n")
		return nil
	}},
	"AFTERSALE_RETURN_LABEL_URL":   {"returns.label_url", text(func(s *Settings) *string { return &s.Returns.LabelURL })},
	"AFTERSALE_RETURN_REFUND_DAYS": {"returns.refund_days", whole(func(s *Settings) *int { return &s.Returns.RefundDays })},
	"AFTERSALE_RETURN_WINDOW_DAYS": {"returns.window_days", whole(func(s *Settings) *int { return &s.Returns.WindowDays })},
	"AFTERSALE_RETURN_REASONS": {"returns.reasons", func(s *Settings, v string) (err error) {
		s.Returns.Reasons, err = ParseReturnReasons(v)
		return err
	}},

	"AFTERSALE_SHOP_URL":                {"insiders.shop_url", text(func(s *Settings) *string { return &s.Insiders.ShopURL })},
	"AFTERSALE_REFERRAL_REWARD_PERCENT": {"insiders.referral_reward_percent", whole(func(s *Settings) *int { return &s.Insiders.ReferralRewardPercent })},
	"AFTERSALE_REFERRAL_REWARD_DAYS":    {"insiders.referral_reward_days", whole(func(s *Settings) *int { return &s.Insiders.ReferralRewardDays })},
	"AFTERSALE_NEXT_LEVEL": {"insiders.next_level", func(s *Settings, v string) (err error) {
		s.Insiders.NextLevel, err = ParseNextLevel(v)
		return err
	}},
}

// OverridesFromEnv reads the Overrides from the environment (lookup is
// os.LookupEnv, or a map in tests).
func OverridesFromEnv(lookup func(string) (string, bool)) Overrides {
	var o Overrides
	v := reflect.ValueOf(&o).Elem()
	for i := 0; i < v.NumField(); i++ {
		if s, ok := lookup(v.Type().Field(i).Tag.Get("env")); ok {
			v.Field(i).SetString(s)
		}
	}
	return o
}

// Apply replaces the settings whose variable is set (not ""). An error
// names the variable (and its flag); later errors of Normalize about a
// replaced setting name the variable too.
func (o Overrides) Apply(s *Settings) error {
	if s.src == nil {
		s.src = &source{}
	}
	if s.src.env == nil {
		s.src.env = map[string]string{}
	}
	var errs Errors
	v := reflect.ValueOf(o)
	for i := 0; i < v.NumField(); i++ {
		val := v.Field(i).String()
		if val == "" {
			continue
		}
		f := v.Type().Field(i)
		env := f.Tag.Get("env")
		ov := overrides[env]
		if err := ov.set(s, val); err != nil {
			errs = append(errs, &Error{Env: env + " (--" + f.Tag.Get("name") + ")", Msg: err.Error()})
			continue
		}
		s.src.env[ov.path] = env
		if env == "AFTERSALE_CARRIER_DAYS" {
			s.src.env["shipping.default_transit_days"] = env
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
