package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// env returns a lookup of the variables in m.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// bare returns s without where its values came from, for comparisons.
func bare(s Settings) Settings {
	s.src = nil
	return s
}

// TestExampleIsDefaults keeps the example file and the built-in defaults
// the same: the example parses to exactly Defaults().
func TestExampleIsDefaults(t *testing.T) {
	t.Parallel()
	s, err := LoadBytes("aftersale.example.yaml", Example())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bare(s), Defaults(); !reflect.DeepEqual(got, want) {
		t.Errorf("the example is not the defaults:\n got %+v\nwant %+v", got, want)
	}
	// Every setting of the file is in the example, so that it documents
	// them all.
	src := string(Example())
	for _, key := range yamlKeys(reflect.TypeOf(Settings{}), "") {
		if !strings.Contains(src, key+":") {
			t.Errorf("the example does not show %s", key)
		}
	}
}

// yamlKeys lists the keys of the struct type t's settings.
func yamlKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || name == "" {
			continue
		}
		out = append(out, prefix+name)
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)) {
			out = append(out, yamlKeys(f.Type, "")...)
		}
	}
	return out
}

// TestDefaultsNormalize: the defaults pass their own checks, and
// normalizing the zero value gives what normalizing the defaults gives,
// but for the settings whose zero means the engine's default.
func TestDefaultsNormalize(t *testing.T) {
	t.Parallel()
	d := Defaults()
	if err := d.Normalize(); err != nil {
		t.Fatal(err)
	}
	if d.Sender.BusinessName != "aftersale" || d.Sender.SupportEmail != "aftersale@localhost" || d.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("derived defaults: %+v %q", d.Sender, d.BaseURL)
	}
	var z Settings
	if err := z.Normalize(); err != nil {
		t.Fatal(err)
	}
	if z.Timezone != d.Timezone || z.QuietHours != d.QuietHours || z.PhoneRegion != d.PhoneRegion || z.Sender != d.Sender ||
		z.Process != d.Process || z.Mail.SMTPConnections != d.Mail.SMTPConnections {
		t.Errorf("zero value normalized:\n%+v\nwant like\n%+v", z, d)
	}
	if start, end, ok := d.Quiet(); !ok || start != "21:00" || end != "08:00" {
		t.Errorf("Quiet() = %q %q %v", start, end, ok)
	}
	off := Settings{QuietHours: "off"}
	if err := off.Normalize(); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := off.Quiet(); ok {
		t.Error("quiet hours off are on")
	}
}

const sample = `# a shop
timezone: Europe/Berlin
quiet_hours: "22:00-07:00"
phone_region: de
journeys: journeys
sender:
  from: "Ana at Shop <hello@shop.example>"
  support_url: https://help.shop.example
mail:
  send_rate: 60
  send_rate_domains:
    Gmail.com: 300
item_kinds:
  - sku: COURSE-
    kind: Course
  - type: Gift card
    kind: digital
tasks:
  sla: 36h
surveys:
  recovery_below: 5
  qualities:
    - key: speed
      label: Quick answers
    - key: ease_of_use
shipping:
  tracking_urls:
    - carrier: PostNord
      url: "https://tracking.postnord.com/?id={number}"
  carrier_days:
    - carrier: UPS
      days: 4
  default_transit_days: 9
  delivery_margin_days: 2
returns:
  address: |
    Shop Returns
    Unit 4
  label_url: https://labels.example/abc
  refund_days: 3
  window_days: 30
  reasons: [Too small, Too big]
insiders:
  shop_url: https://shop.example/
  referral_reward_percent: 15
  referral_reward_days: 45
  next_level:
    - sku: course-101
      name: Mastermind
      url: https://shop.example/mm
      description: Six months
    - kind: digital
      name: Coaching
      url: https://shop.example/c
`

// TestLoadFile reads every kind of setting from a file, over the
// defaults, and turns them into what the engine takes.
func TestLoadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte(sample), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Normalize(); err != nil {
		t.Fatal(err)
	}
	if s.Timezone != "Europe/Berlin" || s.PhoneRegion != "DE" || s.Journeys != filepath.Join(dir, "journeys") {
		t.Errorf("top level: %q %q %q", s.Timezone, s.PhoneRegion, s.Journeys)
	}
	if start, end, _ := s.Quiet(); start != "22:00" || end != "07:00" {
		t.Errorf("quiet hours %q-%q", start, end)
	}
	if b := s.Business(); b.Name != "Ana at Shop" || b.SupportEmail != "hello@shop.example" || b.SupportURL != "https://help.shop.example" || b.PhoneRegion != "DE" {
		t.Errorf("business %+v", b)
	}
	if s.Mail.SendRate != 60 || !reflect.DeepEqual(s.Mail.SendRateDomains, map[string]int{"gmail.com": 300}) || s.Mail.SMTPConnections != 8 {
		t.Errorf("mail %+v", s.Mail)
	}
	kinds := s.ItemKinds.Rules()
	if k := kinds.Kind("course-1", "", true, ""); k != aftersale.KindCourse {
		t.Errorf("kind of a course SKU: %q", k)
	}
	if k := kinds.Kind("X", "gift card", true, ""); k != aftersale.KindDigital {
		t.Errorf("kind of a gift card: %q", k)
	}
	if s.Tasks.SLA != 36*time.Hour || s.Surveys.RecoveryBelow != 5 {
		t.Errorf("tasks %v, recovery below %d", s.Tasks.SLA, s.Surveys.RecoveryBelow)
	}
	if q := s.Surveys.Catalogue(); !reflect.DeepEqual(q, []aftersale.Quality{{Key: "speed", Label: "Quick answers"}, {Key: "ease_of_use", Label: "Ease of use"}}) {
		t.Errorf("qualities %+v", q)
	}
	c := s.Shipping.Carriers()
	if u := c.TrackingURL("Post Nord", "1"); u != "https://tracking.postnord.com/?id=1" {
		t.Errorf("tracking URL %q", u)
	}
	if c.TransitDays("UPS") != 4 || c.TransitDays("Nobody") != 9 || c.TransitDays("DHL") != 6 || s.Shipping.DeliveryMarginDays != 2 {
		t.Errorf("transit days %d %d %d", c.TransitDays("UPS"), c.TransitDays("Nobody"), c.TransitDays("DHL"))
	}
	want := aftersale.ReturnPolicy{Address: "Shop Returns\nUnit 4\n", LabelURL: "https://labels.example/abc", RefundDays: 3, WindowDays: 30, Reasons: []string{"Too small", "Too big"}}
	if p := s.Returns.Policy(); !reflect.DeepEqual(p, want) {
		t.Errorf("returns %+v", p)
	}
	if s.Insiders.ShopURL != "https://shop.example" || s.Insiders.ReferralRewardPercent != 15 || s.Insiders.ReferralRewardDays != 45 {
		t.Errorf("insiders %+v", s.Insiders)
	}
	rules := []aftersale.NextLevelRule{
		{Match: "course-101", Name: "Mastermind", URL: "https://shop.example/mm", Description: "Six months"},
		{Match: "kind:digital", Name: "Coaching", URL: "https://shop.example/c"},
	}
	if got := s.Insiders.Rules(); !reflect.DeepEqual(got, rules) {
		t.Errorf("next level %+v", got)
	}
}

// TestFind: a named file wins, else aftersale.yaml in the data dir, else
// none.
func TestFind(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if got := Find("", dir); got != "" {
		t.Errorf("no file: %q", got)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("timezone: UTC\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := Find("", dir); got != filepath.Join(dir, FileName) {
		t.Errorf("in the data dir: %q", got)
	}
	if got := Find("/etc/other.yaml", dir); got != "/etc/other.yaml" {
		t.Errorf("named: %q", got)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("a missing named file loaded")
	}
}

// TestPrecedence: default < file < environment.
func TestPrecedence(t *testing.T) {
	t.Parallel()
	s, err := LoadBytes("a.yaml", []byte("timezone: Europe/Berlin\nreturns:\n  refund_days: 3\n  window_days: 30\n"))
	if err != nil {
		t.Fatal(err)
	}
	o := OverridesFromEnv(env(map[string]string{"AFTERSALE_TIMEZONE": "America/New_York", "AFTERSALE_RETURN_WINDOW_DAYS": ""}))
	if err := o.Apply(&s); err != nil {
		t.Fatal(err)
	}
	if err := s.Normalize(); err != nil {
		t.Fatal(err)
	}
	if s.Timezone != "America/New_York" { // environment over file
		t.Errorf("timezone %q", s.Timezone)
	}
	if s.Returns.RefundDays != 3 || s.Returns.WindowDays != 30 { // file over default; an empty variable changes nothing
		t.Errorf("returns %+v", s.Returns)
	}
	if s.Insiders.ReferralRewardDays != 60 { // default
		t.Errorf("referral days %d", s.Insiders.ReferralRewardDays)
	}
}

// TestEnvOverrides: every older variable, in its own syntax, sets what
// it did before the settings file.
func TestEnvOverrides(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"AFTERSALE_FROM":                    "Ana at Shop <hello@shop.example>",
		"AFTERSALE_JOURNEYS":                "/srv/journeys",
		"AFTERSALE_TIMEZONE":                "Europe/London",
		"AFTERSALE_QUIET_HOURS":             "off",
		"AFTERSALE_PHONE_REGION":            "gb",
		"AFTERSALE_BUSINESS_NAME":           "Shop",
		"AFTERSALE_SUPPORT_EMAIL":           "help@shop.example",
		"AFTERSALE_SUPPORT_URL":             "https://help.shop.example",
		"AFTERSALE_ESCALATION_EMAIL":        "owner@shop.example",
		"AFTERSALE_RESOURCES_URL":           "https://shop.example/faq",
		"AFTERSALE_COMMUNITY_URL":           "https://community.shop.example",
		"AFTERSALE_DKIM_DOMAIN":             "shop.example",
		"AFTERSALE_DKIM_SELECTOR":           "s1",
		"AFTERSALE_DKIM_KEY_FILE":           "/keys/dkim.pem",
		"AFTERSALE_BOUNCE_ADDRESS":          "bounces@mail.shop.example",
		"AFTERSALE_BOUNCE_LISTEN":           "127.0.0.1:2525",
		"AFTERSALE_SEND_RATE":               "60",
		"AFTERSALE_SEND_RATE_DOMAINS":       "Gmail.com=300, yahoo.com=120",
		"AFTERSALE_SMTP_CONNECTIONS":        "4",
		"AFTERSALE_ITEM_KINDS":              "sku:COURSE-=course; sku:coach=Coaching,\n type:Gift Card=digital",
		"AFTERSALE_TASK_SLA":                "12h",
		"AFTERSALE_QUALITIES":               "speed=Quick answers; expertise, ease_of_use = Easy to use",
		"AFTERSALE_SURVEY_RECOVERY_BELOW":   "6",
		"AFTERSALE_TRACKING_URLS":           "PostNord=https://tracking.postnord.com/?id={number}; UPS=https://ups.example/t/{number}",
		"AFTERSALE_CARRIER_DAYS":            "UPS=4, Royal Mail=2, *=9",
		"AFTERSALE_DELIVERY_MARGIN_DAYS":    "1",
		"AFTERSALE_RETURN_ADDRESS":          `Shop Returns\nUnit 4`,
		"AFTERSALE_RETURN_LABEL_URL":        "https://labels.example/abc",
		"AFTERSALE_RETURN_REFUND_DAYS":      "2",
		"AFTERSALE_RETURN_WINDOW_DAYS":      "14",
		"AFTERSALE_RETURN_REASONS":          " Too small ; Too big\nBroke;; ",
		"AFTERSALE_SHOP_URL":                "https://shop.example",
		"AFTERSALE_REFERRAL_REWARD_PERCENT": "20",
		"AFTERSALE_REFERRAL_REWARD_DAYS":    "30",
		"AFTERSALE_NEXT_LEVEL":              "course-101=Mastermind|https://shop.example/mm|Six months in a small group;\n kind:digital = Coaching | https://shop.example/c ",
	}
	// Every override variable is in this test.
	ty := reflect.TypeOf(Overrides{})
	for i := 0; i < ty.NumField(); i++ {
		if _, ok := vars[ty.Field(i).Tag.Get("env")]; !ok {
			t.Errorf("%s is not tested", ty.Field(i).Tag.Get("env"))
		}
	}
	if len(overrides) != ty.NumField() {
		t.Errorf("%d overrides, %d variables", len(overrides), ty.NumField())
	}
	s := Defaults()
	if err := OverridesFromEnv(env(vars)).Apply(&s); err != nil {
		t.Fatal(err)
	}
	if err := s.Normalize(); err != nil {
		t.Fatal(err)
	}
	want := Settings{
		Process:     Defaults().Process,
		Journeys:    "/srv/journeys",
		Timezone:    "Europe/London",
		QuietHours:  "off",
		PhoneRegion: "GB",
		Sender: Sender{From: "Ana at Shop <hello@shop.example>", BusinessName: "Shop", SupportEmail: "help@shop.example",
			SupportURL: "https://help.shop.example", EscalationEmail: "owner@shop.example",
			ResourcesURL: "https://shop.example/faq", CommunityURL: "https://community.shop.example"},
		Mail: Mail{DKIMDomain: "shop.example", DKIMSelector: "s1", DKIMKeyFile: "/keys/dkim.pem",
			BounceAddress: "bounces@mail.shop.example", BounceListen: "127.0.0.1:2525", SendRate: 60,
			SendRateDomains: map[string]int{"gmail.com": 300, "yahoo.com": 120}, SMTPConnections: 4},
		ItemKinds: KindRules{{SKU: "COURSE-", Kind: "course"}, {SKU: "coach", Kind: "coaching"}, {Type: "Gift Card", Kind: "digital"}},
		Tasks:     Tasks{SLA: 12 * time.Hour},
		Surveys: Surveys{Qualities: []Quality{{"speed", "Quick answers"}, {"expertise", "Expertise"}, {"ease_of_use", "Easy to use"}},
			RecoveryBelow: 6},
		Shipping: Shipping{
			TrackingURLs: []TrackingURL{{"PostNord", "https://tracking.postnord.com/?id={number}"}, {"UPS", "https://ups.example/t/{number}"}},
			CarrierDays:  []TransitDays{{"UPS", 4}, {"Royal Mail", 2}}, DefaultTransitDays: 9, DeliveryMarginDays: 1},
		Returns: Returns{Address: "Shop Returns\nUnit 4", LabelURL: "https://labels.example/abc", RefundDays: 2, WindowDays: 14,
			Reasons: []string{"Too small", "Too big", "Broke"}},
		Insiders: Insiders{ShopURL: "https://shop.example", ReferralRewardPercent: 20, ReferralRewardDays: 30,
			NextLevel: []NextLevel{{SKU: "course-101", Name: "Mastermind", URL: "https://shop.example/mm", Description: "Six months in a small group"},
				{Kind: "digital", Name: "Coaching", URL: "https://shop.example/c"}}},
	}
	want.BaseURL = "http://127.0.0.1:8080"
	if got := bare(s); !reflect.DeepEqual(got, want) {
		t.Errorf("overrides:\n got %+v\nwant %+v", got, want)
	}
	// The carrier table is the one the older syntax gave.
	c := s.Shipping.Carriers()
	if c.TrackingURL("UPS", "1Z 999") != "https://ups.example/t/1Z+999" || c.TransitDays("Royal Mail") != 2 || c.TransitDays("Nobody") != 9 {
		t.Errorf("carriers: %q %d %d", c.TrackingURL("UPS", "1Z 999"), c.TransitDays("Royal Mail"), c.TransitDays("Nobody"))
	}
}

// TestEnvErrors: a variable in a wrong syntax is refused with its name
// (and flag), as before.
func TestEnvErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ env, val, want string }{
		{"AFTERSALE_ITEM_KINDS", "COURSE=course", "want FIELD:VALUE=KIND"},
		{"AFTERSALE_ITEM_KINDS", "sku:COURSE", "want FIELD:VALUE=KIND"},
		{"AFTERSALE_ITEM_KINDS", "name:X=course", "want sku or type"},
		{"AFTERSALE_ITEM_KINDS", "sku:=course", "value is empty"},
		{"AFTERSALE_ITEM_KINDS", "sku:X=spaceship", "unknown kind"},
		{"AFTERSALE_NEXT_LEVEL", "x=Name", "want MATCH=Name"},
		{"AFTERSALE_NEXT_LEVEL", "=Name|https://a.example", "want MATCH=Name"},
		{"AFTERSALE_NEXT_LEVEL", "kind:toy=Name|https://a.example", "unknown item kind"},
		{"AFTERSALE_NEXT_LEVEL", "x=|https://a.example", "want a name and an http(s) URL"},
		{"AFTERSALE_NEXT_LEVEL", "x=Name|ftp://a.example", "want a name and an http(s) URL"},
		{"AFTERSALE_NEXT_LEVEL", "x=Name|not a url", "want a name and an http(s) URL"},
		{"AFTERSALE_QUALITIES", "speed", "at least two"},
		{"AFTERSALE_QUALITIES", "a b=x, c", "only a-z"},
		{"AFTERSALE_QUALITIES", "speed, speed", "twice"},
		{"AFTERSALE_QUALITIES", "x=" + strings.Repeat("y", 201) + ", z", "at most"},
		{"AFTERSALE_TRACKING_URLS", "UPS", "want Carrier=https"},
		{"AFTERSALE_TRACKING_URLS", "UPS=https://ups.example/t/", "must contain {number}"},
		{"AFTERSALE_TRACKING_URLS", "UPS=ftp://ups.example/{number}", "not an http(s) URL"},
		{"AFTERSALE_TRACKING_URLS", "=https://x.example/{number}", "want Carrier=https"},
		{"AFTERSALE_CARRIER_DAYS", "UPS=0", "1 to 90 days"},
		{"AFTERSALE_CARRIER_DAYS", "UPS=many", "1 to 90 days"},
		{"AFTERSALE_CARRIER_DAYS", "UPS", "1 to 90 days"},
		{"AFTERSALE_CARRIER_DAYS", "-=3", "no carrier name"},
		{"AFTERSALE_RETURN_REASONS", strings.Repeat("x", 121), "longer than 120"},
		{"AFTERSALE_SEND_RATE_DOMAINS", "gmail.com", "not like gmail.com=300"},
		{"AFTERSALE_SEND_RATE", "fast", "not a whole number"},
		{"AFTERSALE_TASK_SLA", "a day", "not a duration"},
	} {
		s := Defaults()
		err := OverridesFromEnv(env(map[string]string{tt.env: tt.val})).Apply(&s)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), tt.env+" (--") {
			t.Errorf("%s=%q: %v, want an error with %q", tt.env, tt.val, err, tt.want)
		}
	}
	// A value that parses but is out of range is named by its variable
	// in Normalize.
	s := Defaults()
	if err := OverridesFromEnv(env(map[string]string{"AFTERSALE_SMTP_CONNECTIONS": "500"})).Apply(&s); err != nil {
		t.Fatal(err)
	}
	if err := s.Normalize(); err == nil || !strings.Contains(err.Error(), "AFTERSALE_SMTP_CONNECTIONS: mail.smtp_connections: is 500; want 1 to 100") {
		t.Errorf("500 connections: %v", err)
	}
}

// TestFileErrors: each error names the file, the line and the setting.
func TestFileErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ yaml, want string }{
		{"insiders:\n  next_level:\n    - sku: a\n      name: A\n      url: https://a.example\n    - sku: b\n      name: B\n      url: ftp://b.example\n",
			"a.yaml:8: insiders.next_level[1].url: must be an http(s) URL"},
		{"timezone: UTC\nreturns:\n  refund_days: many\n", "a.yaml:3: returns.refund_days: want a whole number"},
		{"returns:\n  refund_dayz: 3\n", "a.yaml:2: returns.refund_dayz: unknown setting"},
		{"api_key: x\n", "a.yaml:1: api_key: unknown setting: api_key is set by AFTERSALE_API_KEY"},
		{"tasks:\n  sla: two days\n", "a.yaml:2: tasks.sla: want a duration"},
		{"timezone: Mars/Olympus\n", `a.yaml:1: timezone: unknown time zone "Mars/Olympus"`},
		{"quiet_hours: late\n", `a.yaml:1: quiet_hours: "late" is not like 21:00-08:00`},
		{"item_kinds:\n  - sku: A\n    kind: spaceship\n", `a.yaml:3: item_kinds[0].kind: unknown kind "spaceship"`},
		{"item_kinds:\n  - kind: course\n", `a.yaml:2: item_kinds[0]: give sku`},
		{"surveys:\n  qualities:\n    - key: only\n", "a.yaml:2: surveys.qualities: name at least two qualities"},
		{"shipping:\n  carrier_days:\n    - carrier: UPS\n      days: 100\n", "a.yaml:4: shipping.carrier_days[0].days: is 100; want 1 to 90 days"},
		{"mail:\n  dkim_domain: shop.example\n", "a.yaml:1: mail: DKIM needs all of"},
		{"mail:\n  send_rate_domains:\n    gmail.com: -1\n", "a.yaml:3: mail.send_rate_domains.gmail.com: want a domain"},
		{"sender:\n  from: not an address\n", `a.yaml:2: sender.from: "not an address" is not an address`},
		{"timezone: UTC\ntimezone: UTC\n", "a.yaml:2: "},
		{"a: [\n", "a.yaml:1: "},
		{"timezone: UTC\n---\ntimezone: UTC\n", "a.yaml: want one YAML document"},
		{"item_kinds:\n  ! 0\n", "a.yaml: not a settings file"}, // the decoder panics on it (found by FuzzLoad)
	} {
		_, err := LoadBytes("a.yaml", []byte(tt.yaml))
		var errs Errors
		if !errors.As(err, &errs) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.yaml, err, tt.want)
		}
	}
	// Several errors come in file order.
	_, err := LoadBytes("a.yaml", []byte("timezone: Nowhere\nreturns:\n  refund_days: -1\n  label_url: ftp://x\ninsiders:\n  shop_url: shop\n"))
	want := "a.yaml:1: timezone: unknown time zone \"Nowhere\"\n" +
		"a.yaml:3: returns.refund_days: must not be negative\n" +
		"a.yaml:4: returns.label_url: \"ftp://x\" is not an http(s) URL\n" +
		"a.yaml:6: insiders.shop_url: \"shop\" is not an http(s) URL"
	if err == nil || err.Error() != want {
		t.Errorf("several errors:\n%v\nwant\n%s", err, want)
	}
}

// TestProcessErrors: the environment's settings are named by their
// variables, as before.
func TestProcessErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		p    Process
		want string
	}{
		{Process{BaseURL: "shop.example"}, "AFTERSALE_BASE_URL: "},
		{Process{TimeScale: 0.5}, "AFTERSALE_TIME_SCALE: 0.5 must be 1 or more"},
		{Process{DatabaseURL: "mysql://x"}, "AFTERSALE_DATABASE_URL: want a postgres:// URL"},
	} {
		s := Settings{Process: tt.p}
		if err := s.Normalize(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.p, err, tt.want)
		}
	}
}

// FuzzLoad: any file either loads into settings that pass their checks,
// or is refused with errors that name the file; it never panics.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(sample))
	f.Add(Example())
	f.Add([]byte("insiders:\n  next_level:\n    - kind: toy\n"))
	f.Add([]byte("a: [\n"))
	f.Add([]byte("mail: {send_rate_domains: {'': 1}}\nsurveys: {qualities: [{key: A}, {key: a}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := LoadBytes("f.yaml", data)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 || !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error %v", err)
			}
			return
		}
		if err := s.Normalize(); err != nil {
			t.Fatalf("loaded, then refused: %v", err)
		}
		if q := s.Surveys.Catalogue(); q != nil && len(q) < 2 {
			t.Fatalf("qualities %+v", q)
		}
		_ = s.Shipping.Carriers()
		_ = s.ItemKinds.Rules()
	})
}

// FuzzParseKindRules: rules that parse give a kind to every line.
func FuzzParseKindRules(f *testing.F) {
	f.Add("sku:COURSE-=course, type:Gift Card=digital")
	f.Fuzz(func(t *testing.T, spec string) {
		r, err := ParseKindRules(spec)
		if err != nil {
			return
		}
		c := &checker{}
		r.check(c)
		if len(c.errs) > 0 {
			t.Fatalf("%q parsed, then refused: %v", spec, c.errs)
		}
		if k := r.Rules().Kind("COURSE-1", "gift card", false, ""); k == "" {
			t.Error("empty kind")
		}
	})
}

// FuzzParseNextLevel: rules that parse pass the file's checks.
func FuzzParseNextLevel(f *testing.F) {
	f.Add("course-101=Mastermind|https://shop.example/mm|Six months")
	f.Add("kind:digital=Coaching|http://x.example;;a=b|c")
	f.Fuzz(func(t *testing.T, spec string) {
		rules, err := ParseNextLevel(spec)
		if err != nil {
			return
		}
		in := Insiders{NextLevel: rules}
		c := &checker{}
		in.normalize(c)
		if len(c.errs) > 0 {
			t.Fatalf("%q parsed, then refused: %v", spec, c.errs)
		}
	})
}

// FuzzParseCarriers: entries that parse give transit times of 1 to 90
// days and http(s) tracking links.
func FuzzParseCarriers(f *testing.F) {
	f.Add("UPS=https://ups.example/t/{number}", "UPS=4,*=7")
	f.Add("a=b;c", "x=1;y=90")
	f.Fuzz(func(t *testing.T, urls, days string) {
		u, err := ParseTrackingURLs(urls)
		if err != nil {
			return
		}
		d, def, err := ParseCarrierDays(days)
		if err != nil {
			return
		}
		c := Shipping{TrackingURLs: u, CarrierDays: d, DefaultTransitDays: def}.Carriers()
		if n := c.TransitDays("whoever"); n < 1 || n > 90 {
			t.Fatalf("transit days %d out of range", n)
		}
		if l := c.TrackingURL("UPS", "1Z"); l != "" && !strings.HasPrefix(l, "http") {
			t.Fatalf("tracking URL %q", l)
		}
	})
}

// FuzzParseQualities and FuzzParseReturnReasons: what parses is a
// catalogue of two or more, and reasons without separators.
func FuzzParseQualities(f *testing.F) {
	f.Add("speed=Quick answers, expertise")
	f.Fuzz(func(t *testing.T, spec string) {
		if q, err := ParseQualities(spec); err == nil && len(q) < 2 {
			t.Errorf("%q gave %d qualities without an error", spec, len(q))
		}
	})
}

func FuzzParseReturnReasons(f *testing.F) {
	f.Add("Too small; Too big")
	f.Add("\n;\n")
	f.Fuzz(func(t *testing.T, spec string) {
		got, err := ParseReturnReasons(spec)
		if err != nil {
			return
		}
		if len(got) == 0 {
			t.Fatal("no reasons")
		}
		for _, r := range got {
			if r == "" || r != strings.TrimSpace(r) || strings.ContainsAny(r, ";\n") || len(r) > 120 {
				t.Fatalf("reason %q", r)
			}
		}
	})
}
