package aftersale

import "testing"

func TestKindRules(t *testing.T) {
	r := NewKindRules([]KindRule{{"sku", "COURSE-", KindCourse}, {"SKU", "coach", KindCoaching}, {"type", " Gift Card", KindDigital}, {"sku", "C", KindService}})
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
	if empty := NewKindRules(nil); empty.Len() != 0 || empty.Kind("COURSE-1", "", false, "") != KindDigital {
		t.Errorf("empty rules: %d", empty.Len())
	}
}
