// Package csvimport reads a shop's past orders from a CSV file into
// aftersale events, for `aftersale import orders FILE.csv`.
//
// The first row is a header that names the columns, in any order and in any
// case (spaces, dashes and underscores are ignored, and common names from
// shop exports are understood: "Order ID", "Created at", "Lineitem sku",
// ...). One row is one order line; the rows of an order share its order_id
// (they need not be next to each other), and the order's own columns are
// read from its first row. Columns:
//
//	order_id           required; the shop's order id
//	email              required; the buyer's email
//	occurred_at        required; when the order was placed: RFC 3339, or
//	                   2006-01-02 15:04:05, or 2006-01-02 (UTC)
//	name, phone, timezone
//	marketing_consent  true/false, yes/no, 1/0; empty: not known
//	currency, total, coupon
//	sku, item_name, kind, quantity, price, access_url
//	number             the order number the buyer knows ("#1001")
//	status             placed (default), refunded or cancelled (a
//	                   partially refunded order stays placed)
//
// An empty kind is found from the SKU by the install's kind rules (a line
// without rules is digital). Every event is identified as "import:" plus
// the order id, so importing a file again adds nothing.
package csvimport

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// RowError is a problem with one row: Row is the line of the file (the
// header is line 1) and Column the column's name as in the header.
type RowError struct {
	Row     int
	Column  string
	Message string
}

func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	}
	return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Message)
}

// Column names as this package knows them.
const (
	colOrderID   = "order_id"
	colEmail     = "email"
	colOccurred  = "occurred_at"
	colName      = "name"
	colPhone     = "phone"
	colTimezone  = "timezone"
	colConsent   = "marketing_consent"
	colCurrency  = "currency"
	colTotal     = "total"
	colCoupon    = "coupon"
	colSKU       = "sku"
	colItemName  = "item_name"
	colKind      = "kind"
	colQuantity  = "quantity"
	colPrice     = "price"
	colAccessURL = "access_url"
	colStatus    = "status"
	colNumber    = "number"
)

// aliases maps normalised header names to columns.
var aliases = map[string]string{
	"orderid": colOrderID, "order": colOrderID, "ordernumber": colOrderID, "id": colOrderID,
	"email": colEmail, "customeremail": colEmail, "buyeremail": colEmail, "billingemail": colEmail,
	"occurredat": colOccurred, "createdat": colOccurred, "placedat": colOccurred, "date": colOccurred,
	"orderdate": colOccurred, "paidat": colOccurred,
	"name": colName, "customername": colName, "billingname": colName,
	"phone": colPhone, "billingphone": colPhone, "customerphone": colPhone,
	"timezone": colTimezone, "tz": colTimezone,
	"marketingconsent": colConsent, "acceptsmarketing": colConsent, "consent": colConsent,
	"currency": colCurrency, "total": colTotal, "ordertotal": colTotal,
	"coupon": colCoupon, "discountcode": colCoupon,
	"sku": colSKU, "lineitemsku": colSKU,
	"itemname": colItemName, "lineitemname": colItemName, "product": colItemName, "productname": colItemName,
	"kind": colKind, "itemkind": colKind,
	"quantity": colQuantity, "lineitemquantity": colQuantity, "qty": colQuantity,
	"price": colPrice, "lineitemprice": colPrice,
	"accessurl": colAccessURL, "downloadurl": colAccessURL,
	"status": colStatus, "financialstatus": colStatus,
	"number": colNumber, "displaynumber": colNumber, "ordername": colNumber,
}

var required = []string{colOrderID, colEmail, colOccurred}

// Reader reads the orders of a CSV file.
type Reader struct {
	csv    *csv.Reader
	index  map[string]int    // column → field index
	header map[string]string // column → name in the file's header
	kinds  *aftersale.KindRules
}

// NewReader reads the header of r and maps its columns. kinds may be nil.
// A header that lacks a required column, or names one twice, is an error.
func NewReader(r io.Reader, kinds *aftersale.KindRules) (*Reader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	head, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("the file is empty: want a header row naming the columns")
	}
	if err != nil {
		return nil, fmt.Errorf("the header row: %w", err)
	}
	rd := &Reader{csv: cr, index: map[string]int{}, header: map[string]string{}, kinds: kinds}
	for i, h := range head {
		h = strings.TrimPrefix(h, "\ufeff") // a BOM from spreadsheet exports
		col, ok := aliases[normalise(h)]
		if !ok {
			continue // columns aftersale does not use are skipped
		}
		if prev, dup := rd.header[col]; dup {
			return nil, fmt.Errorf("the header names %s twice (%q and %q)", col, prev, h)
		}
		rd.index[col], rd.header[col] = i, strings.TrimSpace(h)
	}
	var missing []string
	for _, c := range required {
		if _, ok := rd.index[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the header has no %s column (columns are matched by name, e.g. order_id, email, occurred_at)",
			strings.Join(missing, ", no "))
	}
	return rd, nil
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

func normalise(h string) string {
	return nonAlnum.ReplaceAllString(strings.ToLower(strings.TrimSpace(h)), "")
}

// Result is what a file holds.
type Result struct {
	// Events are the orders, in the order of their first row: an
	// order.placed per order, followed by an order.refunded or
	// order.cancelled (marked History) when its status says so. The
	// caller decides whether the order.placed events are History.
	Events []*aftersale.Event
	Rows   int // data rows read
	Orders int
	Errors []RowError
}

// order is an order being gathered from its rows.
type order struct {
	ev     *aftersale.Event
	rows   []int // the file line of each item
	status string
}

// ReadAll reads every row. Rows with errors are reported in Result.Errors
// and their orders left out of Result.Events; progress, when not nil, is
// called after each row with the number of rows read.
func (rd *Reader) ReadAll(progress func(rows int)) (*Result, error) {
	res := &Result{}
	byID := map[string]*order{}
	var orders []*order
	bad := map[string]bool{}
	for {
		rec, err := rd.csv.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				res.Errors = append(res.Errors, RowError{Row: pe.Line, Message: pe.Err.Error()})
				continue
			}
			return nil, err
		}
		line, _ := rd.csv.FieldPos(0)
		res.Rows++
		if progress != nil {
			progress(res.Rows)
		}
		if isBlank(rec) {
			continue
		}
		id := rd.field(rec, colOrderID)
		if id == "" {
			res.Errors = append(res.Errors, rd.rowError(line, colOrderID, "is empty"))
			continue
		}
		o := byID[id]
		var errs []RowError
		if o == nil {
			o, errs = rd.newOrder(rec, line, id)
			if o != nil {
				byID[id] = o
				orders = append(orders, o)
			}
		} else {
			errs = rd.sameOrder(rec, line, o)
		}
		if o != nil {
			item, ierrs := rd.item(rec, line)
			errs = append(errs, ierrs...)
			o.ev.Order.Items = append(o.ev.Order.Items, item)
			o.rows = append(o.rows, line)
		}
		if len(errs) > 0 {
			res.Errors = append(res.Errors, errs...)
			bad[id] = true
		}
	}
	for _, o := range orders {
		if bad[o.ev.Order.ID] {
			continue
		}
		if err := o.ev.Validate(); err != nil {
			res.Errors = append(res.Errors, rd.validationError(o, err))
			continue
		}
		res.Orders++
		res.Events = append(res.Events, o.ev)
		if o.status != "placed" {
			t := aftersale.EventOrderRefunded
			if o.status == "cancelled" {
				t = aftersale.EventOrderCancelled
			}
			// A past refund or cancellation is recorded, never acted on.
			res.Events = append(res.Events, &aftersale.Event{
				ID: o.ev.ID + ":" + o.status, Type: t, OccurredAt: o.ev.OccurredAt, Source: o.ev.Source,
				Order: &aftersale.OrderFacts{ID: o.ev.Order.ID}, History: true,
			})
		}
	}
	slices.SortStableFunc(res.Errors, func(a, b RowError) int { return cmp.Compare(a.Row, b.Row) })
	return res, nil
}

func isBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func (rd *Reader) field(rec []string, col string) string {
	i, ok := rd.index[col]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func (rd *Reader) rowError(line int, col, format string, args ...any) RowError {
	name := rd.header[col]
	if name == "" {
		name = col
	}
	return RowError{Row: line, Column: name, Message: fmt.Sprintf(format, args...)}
}

// newOrder starts an order from its first row.
func (rd *Reader) newOrder(rec []string, line int, id string) (*order, []RowError) {
	var errs []RowError
	at, err := parseTime(rd.field(rec, colOccurred))
	if err != nil {
		errs = append(errs, rd.rowError(line, colOccurred, "%v", err))
	}
	c := &aftersale.Contact{
		Email: rd.field(rec, colEmail), Name: rd.field(rec, colName),
		Phone: rd.field(rec, colPhone), Timezone: rd.field(rec, colTimezone),
	}
	if v := rd.field(rec, colConsent); v != "" {
		b, err := parseBool(v)
		if err != nil {
			errs = append(errs, rd.rowError(line, colConsent, "%v", err))
		} else {
			c.MarketingConsent = &b
		}
	}
	status := strings.ToLower(rd.field(rec, colStatus))
	switch status {
	case "", "placed", "paid", "completed", "processing", "fulfilled", "partially_refunded", "partiallyrefunded", "partially refunded":
		// A partial refund is not a refunded order: it stays placed.
		status = "placed"
	case "refunded", "cancelled", "canceled":
		if status == "canceled" {
			status = "cancelled"
		}
	default:
		errs = append(errs, rd.rowError(line, colStatus, "unknown status %q; want placed, refunded or cancelled", status))
	}
	return &order{
		ev: &aftersale.Event{
			ID: "import:" + id, Type: aftersale.EventOrderPlaced, OccurredAt: at, Source: "import", Customer: c,
			Order: &aftersale.OrderFacts{
				ID: id, Number: rd.field(rec, colNumber), Currency: rd.field(rec, colCurrency), Total: rd.field(rec, colTotal), Coupon: rd.field(rec, colCoupon),
			},
		},
		status: status,
	}, errs
}

// sameOrder checks that a later row of an order agrees with its first.
func (rd *Reader) sameOrder(rec []string, line int, o *order) []RowError {
	var errs []RowError
	if e := rd.field(rec, colEmail); e != "" && !strings.EqualFold(e, o.ev.Customer.Email) {
		errs = append(errs, rd.rowError(line, colEmail, "%q differs from row %d of the same order (%q)", e, o.rows[0], o.ev.Customer.Email))
	}
	return errs
}

// item reads the order line of a row.
func (rd *Reader) item(rec []string, line int) (aftersale.Item, []RowError) {
	var errs []RowError
	it := aftersale.Item{
		SKU: rd.field(rec, colSKU), Name: rd.field(rec, colItemName), Price: rd.field(rec, colPrice),
		AccessURL: rd.field(rec, colAccessURL), Quantity: 1,
	}
	if q := rd.field(rec, colQuantity); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 {
			errs = append(errs, rd.rowError(line, colQuantity, "%q is not a whole number of at least 1", q))
		} else {
			it.Quantity = n
		}
	}
	if k := strings.ToLower(rd.field(rec, colKind)); k != "" {
		it.Kind = aftersale.ItemKind(k)
	} else {
		it.Kind = rd.kinds.Kind(it.SKU, "", false, "")
	}
	return it, errs
}

// validationError turns an error of Event.Validate into the row and column
// it came from.
func (rd *Reader) validationError(o *order, err error) RowError {
	var e *aftersale.Error
	if !errors.As(err, &e) {
		return RowError{Row: o.rows[0], Message: err.Error()}
	}
	row, col := o.rows[0], ""
	field := e.Field
	if strings.HasPrefix(field, "order.items[") {
		var i int
		if _, err := fmt.Sscanf(field, "order.items[%d]", &i); err == nil && i >= 0 && i < len(o.rows) {
			row = o.rows[i]
		}
		if j := strings.Index(field, "]."); j >= 0 {
			field = "item." + field[j+2:]
		}
	}
	col = map[string]string{
		"id": colOrderID, "occurred_at": colOccurred, "customer": colEmail, "customer.email": colEmail,
		"customer.name": colName, "customer.phone": colPhone, "customer.timezone": colTimezone,
		"order.id": colOrderID, "order.number": colNumber, "order.currency": colCurrency, "order.total": colTotal, "order.coupon": colCoupon,
		"order.items": colSKU, "item.sku": colSKU, "item.name": colItemName, "item.kind": colKind,
		"item.quantity": colQuantity, "item.price": colPrice, "item.access_url": colAccessURL,
	}[field]
	if col == "" {
		return RowError{Row: row, Message: e.Message}
	}
	return rd.rowError(row, col, "%s", e.Message)
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("is empty; want the date of the order, e.g. 2026-11-22 or 2026-11-22T10:00:00Z")
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date; want RFC 3339 (2026-11-22T10:00:00Z), 2026-11-22 10:00:00 or 2026-11-22", s)
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1", "subscribed", "opt_in":
		return true, nil
	case "false", "no", "n", "0", "not_subscribed", "unsubscribed", "opt_out":
		return false, nil
	}
	return false, fmt.Errorf("%q is not yes or no (true/false, yes/no, 1/0)", s)
}
