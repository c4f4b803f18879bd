package journey

import (
	"fmt"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/aftersale/aftersale"
)

// TextData is what a task step's title, script and draft can name with Go
// template placeholders, e.g. "Call {{.Buyer.FirstName}}". Every field is a
// plain value, so a placeholder never fails on a missing person or order.
type TextData struct {
	Buyer   Person // the person who paid
	User    Person // the person who uses it; the buyer when nobody else is named
	Order   OrderText
	Product string // the first item's name, or "your purchase"
}

// Person is a customer as task texts see them.
type Person struct {
	Name      string
	FirstName string // the first word of Name, or "there" when no name is known
	Email     string
	Phone     string
}

// OrderText is an order as task texts see it.
type OrderText struct {
	ID string // the shop's order id
	// Number is the order number the buyer knows ("#1001"), "" when the
	// shop gave none; Ref names the order for the buyer and the team:
	// Number, else ID, with a "#" in front when it starts with a digit
	// (aftersale.OrderLabel): "order {{.Order.Ref}}" reads "order #1001".
	Number   string
	Ref      string
	Total    string
	Currency string
	Coupon   string
	// What the order holds, so that a script can differ per item kind:
	// {{if .Order.Physical}}...{{end}}.
	Digital    bool // digital, course or membership
	Physical   bool
	Coaching   bool // coaching or service
	Membership bool
	// Refunded names what has been refunded so far ("Book", "2 × Mug and
	// Book"), "" while nothing; RefundedAmount is the money.
	Refunded       string
	RefundedAmount string
}

// NewTextData builds the placeholder values from the facts.
func NewTextData(f *Facts) TextData {
	if f == nil {
		f = &Facts{}
	}
	d := TextData{Buyer: newPerson(f.Buyer), Product: "your purchase"}
	d.User = d.Buyer
	if f.User != nil {
		d.User = newPerson(f.User)
	}
	if o := f.Order; o != nil {
		d.Order = OrderText{ID: o.ExternalID, Number: o.Number, Ref: aftersale.OrderLabel(o.Ref()), Total: o.Total, Currency: o.Currency, Coupon: o.Coupon,
			Digital:    o.HasKind(aftersale.KindDigital) || o.HasKind(aftersale.KindCourse) || o.HasKind(aftersale.KindMembership),
			Physical:   o.HasKind(aftersale.KindPhysical),
			Coaching:   o.HasKind(aftersale.KindCoaching) || o.HasKind(aftersale.KindService),
			Membership: o.HasKind(aftersale.KindMembership),
			Refunded:   refundedText(o.Refunded.Items), RefundedAmount: o.Refunded.Amount,
		}
		if len(o.Items) > 0 && o.Items[0].Name != "" {
			d.Product = o.Items[0].Name
		}
	}
	return d
}

// refundedText names refunded items, each product once (aftersale.ByProduct,
// quantities added up): "Book", "2 × Mug and Book".
func refundedText(items []aftersale.RefundItem) string {
	named := make([]aftersale.RefundItem, 0, len(items))
	for _, it := range items {
		if strings.TrimSpace(it.Name) == "" {
			it.Name = it.SKU
		}
		it.Name = strings.TrimSpace(it.Name)
		named = append(named, it)
	}
	var parts []string
	for _, it := range aftersale.ByProduct(named, func(it aftersale.RefundItem) string { return it.Name },
		func(into *aftersale.RefundItem, dup aftersale.RefundItem) {
			into.Quantity = max(into.Quantity, 1) + max(dup.Quantity, 1)
		}) {
		name := it.Name
		if name == "" {
			continue
		}
		if it.Quantity > 1 {
			name = fmt.Sprintf("%d × %s", it.Quantity, name)
		}
		parts = append(parts, name)
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func newPerson(c *aftersale.Customer) Person {
	p := Person{FirstName: "there"}
	if c == nil {
		return p
	}
	p.Name, p.Email, p.Phone = c.Name, c.Email, c.Phone
	if fields := strings.Fields(c.Name); len(fields) > 0 {
		p.FirstName = fields[0]
	}
	return p
}

// TaskText renders the step's title, script and draft with the facts.
func (st *Step) TaskText(f *Facts) (title, script, draft string, err error) {
	d := NewTextData(f)
	if title, err = renderText(st.Title, d); err != nil {
		return "", "", "", aftersale.Errorf(aftersale.EINVALID, "step %s: title: %v", st.ID, err)
	}
	if script, err = renderText(st.Script, d); err != nil {
		return "", "", "", aftersale.Errorf(aftersale.EINVALID, "step %s: script: %v", st.ID, err)
	}
	if draft, err = renderText(st.Draft, d); err != nil {
		return "", "", "", aftersale.Errorf(aftersale.EINVALID, "step %s: draft: %v", st.ID, err)
	}
	return title, script, draft, nil
}

// renderText executes s as a text/template with d; text without "{{" is
// returned as it is.
func renderText(s string, d TextData) (string, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	t, err := template.New("text").Option("missingkey=error").Parse(s)
	if err != nil {
		return "", cleanTemplateError(err)
	}
	for _, n := range t.Tree.Root.Nodes {
		if !isPlaceholder(n) {
			return "", fmt.Errorf("%q: only placeholders are allowed, like {{.Buyer.FirstName}}, {{.Product}} or {{.Order.Ref}}, "+
				"and {{if .Order.Physical}}...{{end}} (Digital, Physical, Coaching, Membership)", n.String())
		}
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", cleanTemplateError(err)
	}
	return b.String(), nil
}

// kindFlags are the fields an {{if}} may test: what the order holds.
var kindFlags = map[string]bool{"Order.Digital": true, "Order.Physical": true, "Order.Coaching": true, "Order.Membership": true}

// isPlaceholder reports whether n is plain text, a {{.Field.Path}}, or an
// {{if .Order.KIND}}…{{else}}…{{end}} over such nodes, so that a script can
// differ per item kind.
func isPlaceholder(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.TextNode:
		return true
	case *parse.IfNode:
		p := n.Pipe
		if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
			return false
		}
		f, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
		if !ok || !kindFlags[strings.Join(f.Ident, ".")] {
			return false
		}
		for _, list := range []*parse.ListNode{n.List, n.ElseList} {
			if list == nil {
				continue
			}
			for _, c := range list.Nodes {
				if !isPlaceholder(c) {
					return false
				}
			}
		}
		return true
	case *parse.ActionNode:
		p := n.Pipe
		if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
			return false
		}
		_, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
		return ok
	}
	return false
}

// checkText reports whether s renders with sample data, so that a mistyped
// placeholder fails validation instead of a task.
func checkText(s string) error {
	_, err := renderText(s, NewTextData(sampleFacts(sampleOptions{kind: aftersale.KindDigital, phone: true, consent: true, user: true})))
	return err
}

// cleanTemplateError drops text/template's prefixes and names an unknown
// placeholder plainly.
func cleanTemplateError(err error) error {
	msg := err.Error()
	if i, j := strings.Index(msg, "<"), strings.Index(msg, ">: can't evaluate field"); i >= 0 && j > i {
		msg = fmt.Sprintf("unknown placeholder {{%s}}", msg[i+1:j])
	} else {
		msg = strings.TrimPrefix(msg, "template: ")
		msg = strings.TrimPrefix(msg, "text:")
	}
	return fmt.Errorf("%s (placeholders are like {{.Buyer.FirstName}}, {{.Product}}, {{.Order.Ref}})", msg)
}
