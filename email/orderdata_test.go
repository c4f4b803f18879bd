package email

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// TestNewOrderData: the one conversion of a stored order for templates
// keeps its fields, merges the lines that name one product, and reads the
// kind flags from every line, also one merged into a line of another kind.
func TestNewOrderData(t *testing.T) {
	placed := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	o := &aftersale.Order{ExternalID: "1001", Number: "#1001", Currency: "EUR", Total: "84.00", PlacedAt: placed,
		Items: []aftersale.Item{
			{Name: "Launch Kit", SKU: "kit-dl", Kind: aftersale.KindDigital, Quantity: 1, Price: "42.00", AccessURL: "https://shop.example/a"},
			{Name: "launch kit", SKU: "kit-box", Kind: aftersale.KindPhysical, Quantity: 1, Price: "42.00"},
		}}
	od := NewOrderData(o)
	if od.ID != "1001" || od.Number != "#1001" || od.Ref != "#1001" || od.Currency != "EUR" || od.Total != "84.00" || !od.PlacedAt.Equal(placed) {
		t.Errorf("NewOrderData fields: %+v", od)
	}
	want := ItemData{Name: "Launch Kit", Kind: "digital", Quantity: 2, Price: "42.00", AccessURL: "https://shop.example/a"}
	if len(od.Items) != 1 || od.Items[0] != want {
		t.Errorf("items %+v, want one merged line %+v", od.Items, want)
	}
	if !od.HasDigital || !od.HasPhysical || od.HasCoaching {
		t.Errorf("flags digital %v physical %v coaching %v; want digital and physical (the merged line is shipped too)", od.HasDigital, od.HasPhysical, od.HasCoaching)
	}
	// Render derives the same flags from data built by hand.
	d := &Data{Order: OrderData{Items: []ItemData{{Name: "Kit", Kind: "course"}, {Name: "Kit", Kind: "service"}}}}
	if got := d.derived().Order; !got.HasDigital || !got.HasCoaching || got.HasPhysical {
		t.Errorf("derived flags %+v: want digital and coaching", got)
	}
	if _, err := newRenderer(t).Render(ThankYou, &Data{Business: Business{Name: "Shop"}, Order: od}); err != nil {
		t.Fatal(err)
	}
}

// TestNewShipmentData converts a stored package.
func TestNewShipmentData(t *testing.T) {
	s := NewShipmentData(&aftersale.ShipmentRecord{Carrier: "UPS", TrackingNumber: "1Z999AA10123456784",
		TrackingURL: "https://ups.example/t", Status: aftersale.ShipmentInTransit})
	want := ShipmentData{Carrier: "UPS", TrackingNumber: "1Z999AA10123456784", TrackingURL: "https://ups.example/t", Status: "in_transit"}
	if s == nil || *s != want {
		t.Errorf("NewShipmentData = %+v, want %+v", s, want)
	}
}
