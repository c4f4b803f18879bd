package aftersale

import (
	"strings"
	"testing"
)

func TestKindRules(t *testing.T) {
	r, err := ParseKindRules("sku:COURSE-=course; sku:coach=Coaching,\n type:Gift Card=digital, sku:C=service")
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 4 {
		t.Errorf("Len() = %d, want 4", r.Len())
	}
	for _, tt := range []struct {
		sku, typ string
		ships    bool
		fallback ItemKind
		want     ItemKind
	}{
		{"COURSE-101", "", false, "", KindCourse},
		{"course-101", "", true, "", KindCourse}, // a rule beats shipping
		{"COACH-1", "", false, "", KindCoaching},
		{"CUP", "", false, "", KindService}, // first match wins: C
		{"X-1", "gift card", true, "", KindDigital},
		{"X-1", "", true, "", KindPhysical},
		{"X-1", "", false, "", KindDigital},
		{"X-1", "", false, KindMembership, KindMembership},
		{"", "Course", false, "", KindDigital}, // type rules match the whole type only
	} {
		if got := r.Kind(tt.sku, tt.typ, tt.ships, tt.fallback); got != tt.want {
			t.Errorf("Kind(%q, %q, %v, %q) = %q, want %q", tt.sku, tt.typ, tt.ships, tt.fallback, got, tt.want)
		}
	}
	var none *KindRules
	if got := none.Kind("COURSE-1", "", false, ""); got != KindDigital {
		t.Errorf("nil rules: %q", got)
	}
	empty, err := ParseKindRules("  ")
	if err != nil || empty.Len() != 0 {
		t.Errorf("empty rules: %v %d", err, empty.Len())
	}
}

func TestKindRulesErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"COURSE=course", "want FIELD:VALUE=KIND"},
		{"sku:COURSE", "want FIELD:VALUE=KIND"},
		{"name:X=course", "want sku or type"},
		{"sku:=course", "value is empty"},
		{"sku:X=spaceship", "unknown kind"},
	} {
		_, err := ParseKindRules(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseKindRules(%q) = %v, want an error with %q", tt.in, err, tt.want)
		}
	}
}

func FuzzParseKindRules(f *testing.F) {
	f.Add("sku:COURSE-=course, type:Gift Card=digital")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseKindRules(s)
		if err != nil {
			return
		}
		k := r.Kind("COURSE-1", "gift card", false, "")
		if k == "" {
			t.Error("empty kind")
		}
	})
}
