package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/phone"
)

// Error is one wrong setting: where it was set (a line of the settings
// file, or an environment variable), the setting's path in the file
// ("insiders.next_level[1].url") and what is wrong.
type Error struct {
	File  string // the settings file, when the value came from it
	Line  int    // its line, 0 when unknown
	Env   string // the environment variable, when the value came from it
	Field string
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Env != "":
		b.WriteString(e.Env + ": ")
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors are every wrong setting found, in file order.
type Errors []*Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// source tells where the values of Settings came from.
type source struct {
	file  string
	lines map[string]int    // setting path → line in file
	env   map[string]string // setting path → the variable that replaced it
}

// checker collects the errors of a check.
type checker struct {
	src  *source
	errs Errors
}

func (c *checker) add(field, format string, args ...any) {
	e := &Error{Field: field, Msg: fmt.Sprintf(format, args...)}
	if c.src != nil {
		for path, env := range c.src.env {
			if field == path || strings.HasPrefix(field, path+".") || strings.HasPrefix(field, path+"[") {
				e.Env = env
			}
		}
		if e.Env == "" && c.src.file != "" {
			if line, ok := c.src.line(field); ok {
				e.File, e.Line = c.src.file, line
			}
		}
	}
	c.errs = append(c.errs, e)
}

// line returns the line of field, or of the nearest enclosing setting
// written in the file.
func (s *source) line(field string) (int, bool) {
	for f := field; f != ""; {
		if l, ok := s.lines[f]; ok {
			return l, true
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return 0, false
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	order := func(e *Error) int { // file lines first, in order; then the rest as found
		if e.File != "" && e.Line > 0 {
			return e.Line
		}
		return 1 << 30
	}
	sort.SliceStable(c.errs, func(i, j int) bool { return order(c.errs[i]) < order(c.errs[j]) })
	return c.errs
}

// Normalize gives every empty setting that needs one its default (as in
// Defaults; the business name and support address come from From), and
// checks every setting. Its error is Errors, naming the file line or the
// environment variable of each wrong setting.
func (s *Settings) Normalize() error {
	c := &checker{src: s.src}
	s.normalizeProcess(c)
	s.normalizeFile(c)
	return c.err()
}

// normalizeProcess checks the environment's settings; their errors name
// the variables.
func (s *Settings) normalizeProcess(c *checker) {
	p := &s.Process
	if p.Addr == "" {
		p.Addr = "127.0.0.1:8080"
	}
	if p.DataDir == "" {
		p.DataDir = "./aftersale-data"
	}
	if p.BaseURL == "" {
		p.BaseURL = "http://" + p.Addr
	}
	p.BaseURL = strings.TrimRight(p.BaseURL, "/")
	if !strings.HasPrefix(p.BaseURL, "http://") && !strings.HasPrefix(p.BaseURL, "https://") {
		c.errs = append(c.errs, &Error{Env: "AFTERSALE_BASE_URL", Msg: fmt.Sprintf("%q must start with http:// or https://", p.BaseURL)})
	}
	if p.TimeScale == 0 {
		p.TimeScale = 1
	}
	if p.TimeScale < 1 {
		c.errs = append(c.errs, &Error{Env: "AFTERSALE_TIME_SCALE", Msg: fmt.Sprintf("%v must be 1 or more", p.TimeScale)})
	}
	if p.DatabaseURL != "" && !strings.HasPrefix(p.DatabaseURL, "postgres://") && !strings.HasPrefix(p.DatabaseURL, "postgresql://") {
		c.errs = append(c.errs, &Error{Env: "AFTERSALE_DATABASE_URL", Msg: "want a postgres:// URL"})
	}
}

// normalizeFile checks the settings a file may hold.
func (s *Settings) normalizeFile(c *checker) {
	if s.Timezone == "" {
		s.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(s.Timezone); err != nil {
		c.add("timezone", "unknown time zone %q", s.Timezone)
	}
	if s.QuietHours == "" {
		s.QuietHours = "21:00-08:00"
	}
	if _, _, ok := s.Quiet(); !ok && s.QuietHours != "off" {
		c.add("quiet_hours", "%q is not like 21:00-08:00 (or off)", s.QuietHours)
	}
	if s.PhoneRegion == "" {
		s.PhoneRegion = phone.DefaultRegion
	}
	if s.PhoneRegion = strings.ToUpper(strings.TrimSpace(s.PhoneRegion)); !phone.KnownRegion(s.PhoneRegion) {
		c.add("phone_region", "%q is not a region with a phone numbering plan (an ISO 3166 code like US, GB or DE)", s.PhoneRegion)
	}
	s.Sender.normalize(c)
	s.Mail.normalize(c)
	s.ItemKinds.check(c)
	if s.Tasks.SLA < 0 {
		c.add("tasks.sla", "must not be negative")
	}
	s.Surveys.normalize(c)
	s.Shipping.check(c)
	s.Returns.normalize(c)
	s.Insiders.normalize(c)
}

// Quiet returns the start and end of the quiet hours; ok is false when
// they are off (or not like 21:00-08:00).
func (s *Settings) Quiet() (start, end string, ok bool) {
	start, end, ok = strings.Cut(s.QuietHours, "-")
	start, end = strings.TrimSpace(start), strings.TrimSpace(end)
	if !ok {
		return "", "", false
	}
	for _, t := range []string{start, end} {
		if _, err := time.Parse("15:04", t); err != nil {
			if _, err := time.Parse("15", t); err != nil {
				return "", "", false
			}
		}
	}
	return start, end, true
}

func (sd *Sender) normalize(c *checker) {
	if sd.From == "" {
		sd.From = DefaultFrom
	}
	a, err := mail.ParseAddress(sd.From)
	if err != nil {
		c.add("sender.from", "%q is not an address like \"Shop <hello@shop.example>\"", sd.From)
		return
	}
	if sd.BusinessName == "" {
		sd.BusinessName = a.Name
		if sd.BusinessName == "" {
			sd.BusinessName = a.Address[strings.LastIndexByte(a.Address, '@')+1:]
		}
	}
	if sd.SupportEmail == "" {
		sd.SupportEmail = a.Address
	}
}

func (m *Mail) normalize(c *checker) {
	if n := btoi(m.DKIMDomain != "") + btoi(m.DKIMSelector != "") + btoi(m.DKIMKeyFile != ""); n != 0 && n != 3 {
		c.add("mail", "DKIM needs all of dkim_domain, dkim_selector and dkim_key_file (AFTERSALE_DKIM_DOMAIN, AFTERSALE_DKIM_SELECTOR, AFTERSALE_DKIM_KEY_FILE)")
	}
	if m.BounceAddress != "" {
		if a, err := mail.ParseAddress(m.BounceAddress); err != nil || a.Address != m.BounceAddress {
			c.add("mail.bounce_address", "%q is not a bare address like bounces@mail.shop.example", m.BounceAddress)
		}
	}
	if m.SendRate < 0 {
		c.add("mail.send_rate", "must not be negative")
	}
	domains := make([]string, 0, len(m.SendRateDomains))
	for d := range m.SendRateDomains {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	folded := map[string]int{}
	for _, d := range domains {
		n := m.SendRateDomains[d]
		key := strings.ToLower(strings.TrimSpace(d))
		if key == "" || n < 0 {
			c.add("mail.send_rate_domains."+d, "want a domain and a rate of 0 or more, like gmail.com: 300")
			continue
		}
		folded[key] = n
	}
	if len(m.SendRateDomains) > 0 {
		m.SendRateDomains = folded
	}
	if m.SMTPConnections == 0 {
		m.SMTPConnections = 8
	}
	if m.SMTPConnections < 1 || m.SMTPConnections > 100 {
		c.add("mail.smtp_connections", "is %d; want 1 to 100", m.SMTPConnections)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (k KindRules) check(c *checker) {
	for i := range k {
		r := &k[i]
		r.SKU, r.Type, r.Kind = strings.TrimSpace(r.SKU), strings.TrimSpace(r.Type), strings.ToLower(strings.TrimSpace(r.Kind))
		f := fmt.Sprintf("item_kinds[%d]", i)
		switch {
		case r.SKU == "" && r.Type == "":
			c.add(f, "give sku (a SKU prefix) or type (a product type)")
		case r.SKU != "" && r.Type != "":
			c.add(f, "give sku or type, not both")
		}
		if !slices.Contains(aftersale.ItemKinds, aftersale.ItemKind(r.Kind)) {
			c.add(f+".kind", "unknown kind %q; want one of %v", r.Kind, aftersale.ItemKinds)
		}
	}
}

func (sv *Surveys) normalize(c *checker) {
	seen := map[string]bool{}
	for i := range sv.Qualities {
		q := &sv.Qualities[i]
		f := fmt.Sprintf("surveys.qualities[%d]", i)
		q.Key, q.Label = strings.ToLower(strings.TrimSpace(q.Key)), strings.TrimSpace(q.Label)
		if q.Key == "" {
			c.add(f+".key", "is required")
			continue
		}
		for _, r := range q.Key {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				c.add(f+".key", "%q: a key has only a-z, 0-9 and _", q.Key)
				break
			}
		}
		if len(q.Key) > 40 || len(q.Label) > 200 {
			c.add(f, "quality %q: the key is at most 40 characters and the label 200", q.Key)
		}
		if seen[q.Key] {
			c.add(f+".key", "quality %q is named twice", q.Key)
		}
		seen[q.Key] = true
		if q.Label == "" {
			q.Label = strings.ToUpper(q.Key[:1]) + strings.ReplaceAll(q.Key[1:], "_", " ")
		}
	}
	if len(sv.Qualities) == 1 {
		c.add("surveys.qualities", "name at least two qualities")
	}
	if sv.RecoveryBelow < 0 || sv.RecoveryBelow > 11 {
		c.add("surveys.recovery_below", "is %d; want 0 to 11", sv.RecoveryBelow)
	}
}

// httpURL reports whether s is an absolute http(s) URL with a host.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func (sh *Shipping) check(c *checker) {
	for i, t := range sh.TrackingURLs {
		f := fmt.Sprintf("shipping.tracking_urls[%d]", i)
		if aftersale.CarrierKey(t.Carrier) == "" {
			c.add(f+".carrier", "name the carrier, e.g. PostNord")
		}
		if !strings.Contains(t.URL, "{number}") {
			c.add(f+".url", "the template must contain {number}")
		} else if !httpURL(strings.ReplaceAll(strings.TrimSpace(t.URL), "{number}", "X")) {
			c.add(f+".url", "%q is not an http(s) URL", t.URL)
		}
	}
	for i, d := range sh.CarrierDays {
		f := fmt.Sprintf("shipping.carrier_days[%d]", i)
		if aftersale.CarrierKey(d.Carrier) == "" {
			c.add(f+".carrier", "name the carrier, e.g. UPS")
		}
		if d.Days < 1 || d.Days > 90 {
			c.add(f+".days", "is %d; want 1 to 90 days", d.Days)
		}
	}
	if sh.DefaultTransitDays < 0 || sh.DefaultTransitDays > 90 {
		c.add("shipping.default_transit_days", "is %d; want 1 to 90 days", sh.DefaultTransitDays)
	}
	if sh.DeliveryMarginDays < 0 {
		c.add("shipping.delivery_margin_days", "must not be negative")
	}
}

func (r *Returns) normalize(c *checker) {
	if r.LabelURL != "" && !strings.HasPrefix(r.LabelURL, "https://") && !strings.HasPrefix(r.LabelURL, "http://") {
		c.add("returns.label_url", "%q is not an http(s) URL", r.LabelURL)
	}
	if r.RefundDays < 0 {
		c.add("returns.refund_days", "must not be negative")
	}
	if r.WindowDays < 0 {
		c.add("returns.window_days", "must not be negative")
	}
	var reasons []string
	for i, s := range r.Reasons {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if len(s) > 120 {
			c.add(fmt.Sprintf("returns.reasons[%d]", i), "return reason %q is longer than 120 characters", s[:40]+"…")
		}
		reasons = append(reasons, s)
	}
	r.Reasons = reasons
}

func (in *Insiders) normalize(c *checker) {
	if in.ShopURL != "" && !strings.HasPrefix(in.ShopURL, "https://") && !strings.HasPrefix(in.ShopURL, "http://") {
		c.add("insiders.shop_url", "%q is not an http(s) URL", in.ShopURL)
	}
	in.ShopURL = strings.TrimRight(in.ShopURL, "/")
	if in.ReferralRewardPercent < 0 || in.ReferralRewardPercent > 100 {
		c.add("insiders.referral_reward_percent", "is %d; want 0 to 100", in.ReferralRewardPercent)
	}
	if in.ReferralRewardDays < 0 {
		c.add("insiders.referral_reward_days", "must not be negative")
	}
	for i := range in.NextLevel {
		n := &in.NextLevel[i]
		f := fmt.Sprintf("insiders.next_level[%d]", i)
		n.SKU, n.Kind, n.Name, n.URL, n.Description = strings.TrimSpace(n.SKU), strings.TrimSpace(n.Kind),
			strings.TrimSpace(n.Name), strings.TrimSpace(n.URL), strings.TrimSpace(n.Description)
		switch {
		case n.SKU == "" && n.Kind == "":
			c.add(f, "give sku (an item SKU) or kind (an item kind)")
		case n.SKU != "" && n.Kind != "":
			c.add(f, "give sku or kind, not both")
		case n.Kind != "" && !slices.Contains(aftersale.ItemKinds, aftersale.ItemKind(n.Kind)):
			c.add(f+".kind", "unknown item kind %q", n.Kind)
		}
		if n.Name == "" {
			c.add(f+".name", "is required")
		}
		if !httpURL(n.URL) {
			c.add(f+".url", "must be an http(s) URL")
		}
	}
}
