package insiders

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/pgtest"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/sqlite"
)

var couponCodeRE = regexp.MustCompile(`^THANKS-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}$`)

func TestNewCouponCode(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 5000 {
		c := NewCouponCode("")
		if !couponCodeRE.MatchString(c) {
			t.Fatalf("code %q does not look like THANKS-XXXX-XXXX without ambiguous characters", c)
		}
		if seen[c] {
			t.Fatalf("code %q generated twice", c)
		}
		seen[c] = true
	}
	if c := NewCouponCode("REWARD"); !strings.HasPrefix(c, "REWARD-") || len(c) != len("REWARD-XXXX-XXXX") {
		t.Errorf("reward code %q", c)
	}
	// Every character of the alphabet turns up: the draw is not skewed
	// away from some.
	counts := map[rune]int{}
	for range 2000 {
		for _, r := range randomCode(8) {
			counts[r]++
		}
	}
	if len(counts) != len(codeAlphabet) {
		t.Errorf("%d of %d characters drawn", len(counts), len(codeAlphabet))
	}
}

func TestNewReferralCode(t *testing.T) {
	t.Parallel()
	const rnd = `[ABCDEFGHJKMNPQRSTUVWXYZ23456789]`
	for name, want := range map[string]string{
		"Ana Lima":                  `^ANA-` + rnd + `{4}$`,
		"  josé  da Silva":          `^JOSE-` + rnd + `{4}$`,
		"Ærøskøbing":                `^AEROSKOBIN-` + rnd + `{4}$`, // ten letters at most
		"":                          `^FRIEND-` + rnd + `{4}$`,
		"李小龍":                       `^FRIEND-` + rnd + `{4}$`,
		"O'Brien-Smith":             `^OBRIENSMIT-` + rnd + `{4}$`,
		"<script>alert(1)</script>": `^SCRIPTALER-` + rnd + `{4}$`,
	} {
		if got := NewReferralCode(name, false); !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("NewReferralCode(%q) = %q, want %s", name, got, want)
		}
	}
	if got := NewReferralCode("Ana", true); !regexp.MustCompile(`^ANA-` + rnd + `{6}$`).MatchString(got) {
		t.Errorf("long code %q", got)
	}
}

func TestParseOfferParams(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   map[string]any
		want offerParams
	}{
		{map[string]any{"percent_off": 10, "valid_days": 30, "referral": true}, offerParams{PercentOff: 10, ValidDays: 30, Referral: true}},
		{map[string]any{"percent_off": 15}, offerParams{PercentOff: 15, ValidDays: DefaultOfferValidDays}},
		{map[string]any{"pool": " summer "}, offerParams{Pool: "summer", ValidDays: DefaultOfferValidDays}},
		{map[string]any{"pool": "summer", "fallback": "generate", "percent_off": 5, "prefix": "vip"},
			offerParams{Pool: "summer", FallbackGenerate: true, PercentOff: 5, Prefix: "VIP", ValidDays: DefaultOfferValidDays}},
		{map[string]any{"referral": true}, offerParams{Referral: true, ValidDays: DefaultOfferValidDays}},
		{map[string]any{"next_level": true}, offerParams{NextLevel: true, ValidDays: DefaultOfferValidDays}},
	}
	for _, g := range good {
		got, err := parseOfferParams(g.in)
		if err != nil || got != g.want {
			t.Errorf("parseOfferParams(%v) = %+v, %v; want %+v", g.in, got, err, g.want)
		}
	}
	for in, want := range map[string]map[string]any{
		"percent_off must be a whole number":       {"percent_off": 10.5},
		"percent_off must be between 1 and 100":    {"percent_off": 120},
		"valid_days must be between 1 and 3650":    {"percent_off": 10, "valid_days": 0},
		`unknown parameter "percent_of"`:           {"percent_of": 10},
		"fallback needs a pool":                    {"fallback": "generate", "percent_off": 10},
		`fallback must be "generate"`:              {"pool": "p", "fallback": "skip"},
		"generate needs percent_off":               {"pool": "p", "fallback": "generate"},
		"referral must be true or false":           {"percent_off": 10, "referral": "yes"},
		"prefix must be up to 12 letters":          {"percent_off": 10, "prefix": "THANK-YOU"},
		"the offer has nothing to offer":           {"valid_days": 30},
		"the offer has nothing to offer (nil map)": nil,
	} {
		_, err := parseOfferParams(want)
		if err == nil || aftersale.ErrorCode(err) != aftersale.EINVALID || !strings.Contains(err.Error(), strings.TrimSuffix(in, " (nil map)")) {
			t.Errorf("parseOfferParams(%v) = %v, want an error saying %q", want, err, in)
		}
	}
}

func TestLastMoment(t *testing.T) {
	t.Parallel()
	ny, _ := aftersale.LoadLocation("America/New_York")
	// 03:00 UTC on 1 Dec is still 30 Nov in New York.
	got := lastMoment(time.Date(2030, 12, 1, 3, 0, 0, 0, time.UTC), ny)
	if want := time.Date(2030, 11, 30, 23, 59, 59, 0, ny); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("lastMoment = %v, want %v in UTC", got, want)
	}
}

// stores opens an empty SQLite and PostgreSQL database for a test.
func stores(t *testing.T) map[string]aftersale.Store {
	t.Helper()
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aftersale.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	pg, err := postgres.Open(ctx, pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	return map[string]aftersale.Store{"sqlite": lite, "postgres": pg}
}

// TestCouponCodesUnderConcurrency issues codes from many goroutines at
// once: every customer gets a code of their own, and one (step, customer)
// gets one code however many times it is asked for at once.
func TestCouponCodesUnderConcurrency(t *testing.T) {
	t.Parallel()
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().UTC()
			var customers []*aftersale.Customer
			for i := range 50 {
				c, err := st.CustomerUpsert(ctx, &aftersale.Contact{Email: fmt.Sprintf("c%d@example.com", i), Name: "Ana Lima"}, now)
				if err != nil {
					t.Fatal(err)
				}
				customers = append(customers, c)
			}
			issue := func(c *aftersale.Customer, stepID int64) (*aftersale.Coupon, bool, error) {
				return issueCoupon(ctx, st, &aftersale.Coupon{CustomerID: c.ID, Purpose: aftersale.CouponOffer, StepID: stepID,
					PercentOff: 10, ExpiresAt: now.Add(30 * 24 * time.Hour), CreatedAt: now}, "")
			}

			// 50 customers at once, for the same step: 50 different codes.
			codes := make([]string, len(customers))
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			for i, c := range customers {
				wg.Go(func() {
					cp, created, err := issue(c, 1)
					if err != nil || !created {
						errs <- fmt.Errorf("customer %d: created %v, %v", i, created, err)
						return
					}
					codes[i] = cp.Code
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			seen := map[string]bool{}
			for _, c := range codes {
				if !couponCodeRE.MatchString(c) || seen[c] {
					t.Errorf("code %q is malformed or given twice", c)
				}
				seen[c] = true
			}

			// The same (step, customer) from 10 goroutines: one code.
			got := make([]*aftersale.Coupon, 10)
			createdN := make([]bool, 10)
			errs = make(chan error, 10)
			for i := range got {
				wg.Go(func() {
					cp, created, err := issue(customers[0], 2)
					if err != nil {
						errs <- err
						return
					}
					got[i], createdN[i] = cp, created
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			n := 0
			for i, cp := range got {
				if cp.Code != got[0].Code || cp.ID != got[0].ID {
					t.Errorf("goroutine %d got %s, goroutine 0 %s", i, cp.Code, got[0].Code)
				}
				if createdN[i] {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d goroutines created the code, want 1", n)
			}
			// Asked again later (a retry of the step): the same code.
			again, created, err := issue(customers[0], 2)
			if err != nil || created || again.Code != got[0].Code {
				t.Errorf("retry: %v created %v, %v; want %s", again, created, err, got[0].Code)
			}
			list, err := st.CouponList(ctx, aftersale.CouponFilter{CustomerID: customers[0].ID})
			if err != nil || len(list) != 2 {
				t.Errorf("customer 0 has %d codes (%v), want 2 (one per step)", len(list), err)
			}

			// Referral codes: one per customer, from many goroutines.
			s := &Service{cfg: Config{Store: st}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			refs := make([]string, len(customers))
			for i, c := range customers {
				wg.Go(func() {
					rc, err := s.ensureReferralCode(ctx, c, now)
					if err != nil {
						t.Error(err)
						return
					}
					refs[i] = rc.Code
				})
			}
			wg.Wait()
			seen = map[string]bool{}
			for _, r := range refs {
				if !strings.HasPrefix(r, "ANA-") || seen[r] {
					t.Errorf("referral code %q is malformed or given twice", r)
				}
				seen[r] = true
			}
			if rc, err := s.ensureReferralCode(ctx, customers[3], now); err != nil || rc.Code != refs[3] {
				t.Errorf("second ensure: %v %v, want %s", rc, err, refs[3])
			}
		})
	}
}

// conflicting answers CouponIssue with ECONFLICT a number of times first,
// as when a generated code exists.
type conflicting struct {
	left  int
	codes []string
}

func (q *conflicting) CouponIssue(ctx context.Context, c *aftersale.Coupon) (*aftersale.Coupon, bool, error) {
	q.codes = append(q.codes, c.Code)
	if q.left > 0 {
		q.left--
		return nil, false, aftersale.Errorf(aftersale.ECONFLICT, "coupon code %s exists", c.Code)
	}
	cp := *c
	cp.ID = 1
	return &cp, true, nil
}

func TestIssueCouponRetriesOnConflict(t *testing.T) {
	t.Parallel()
	q := &conflicting{left: 2}
	cp, created, err := issueCoupon(context.Background(), q, &aftersale.Coupon{CustomerID: 1}, "")
	if err != nil || !created || len(q.codes) != 3 || cp.Code != q.codes[2] || q.codes[0] == q.codes[1] {
		t.Errorf("issueCoupon = %v %v %v after codes %v", cp, created, err, q.codes)
	}
	q = &conflicting{left: codeTries}
	if _, _, err := issueCoupon(context.Background(), q, &aftersale.Coupon{CustomerID: 1}, ""); err == nil {
		t.Error("no error after every code conflicted")
	}
}

func FuzzParseOfferParams(f *testing.F) {
	f.Add("percent_off", int64(10), "valid_days", "30", true)
	f.Add("pool", int64(0), "fallback", "generate", false)
	f.Fuzz(func(t *testing.T, k1 string, v1 int64, k2, v2 string, v3 bool) {
		p, err := parseOfferParams(map[string]any{k1: v1, k2: v2, "referral": v3})
		if err != nil {
			return
		}
		if p.PercentOff < 0 || p.PercentOff > 100 || p.ValidDays < 1 {
			t.Fatalf("params %+v from %q=%d %q=%q", p, k1, v1, k2, v2)
		}
	})
}
