//go:build heavy

package test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/sqlite"
)

// importRows is the size of the CSV import test: 100,000 rows (the
// acceptance size) unless AFTERSALE_IMPORT_ROWS says otherwise.
func importRows() int {
	if n, err := strconv.Atoi(os.Getenv("AFTERSALE_IMPORT_ROWS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// TestHeavyImportOrdersCSV imports a large CSV of past orders with the binary:
// it finishes with a progress bar, records every order with its customer,
// sends nothing (history), and a second import of the same file adds
// nothing. A dry run of a file with bad rows names each row and column and
// stores nothing.
func TestHeavyImportOrdersCSV(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rows := importRows()
	path := filepath.Join(dir, "orders.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "Order ID,Email,Created at,Name,Accepts Marketing,Currency,Total,Lineitem sku,Lineitem name,Lineitem quantity,Lineitem price,Financial Status")
	orders, refunded := 0, 0
	for i := 0; i < rows; i++ {
		// Every third order has a second line; every tenth was refunded.
		order := i
		if i%3 == 2 {
			order = i - 1
		} else {
			orders++
		}
		status := "paid"
		if order%10 == 0 {
			status = "refunded"
			if order == i {
				refunded++
			}
		}
		fmt.Fprintf(w, "H-%d,buyer%d@example.com,2025-%02d-%02dT10:00:00Z,Buyer %d,yes,USD,20.00,SKU-%d,Guide %d,1,10.00,%s\n",
			order, order, 1+order%12, 1+order%28, order, i, i, status)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	data := filepath.Join(dir, "data")
	run := func(args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(binary(t), append([]string{"import", "orders"}, args...)...)
		cmd.Env = append(os.Environ(), "AFTERSALE_DATA_DIR="+data, "AFTERSALE_LOG_FORMAT=text", "AFTERSALE_LOG_LEVEL=warn")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("import %v: %v\nstdout:\n%s\nstderr (tail):\n%s", args, err, stdout.String(), tail([]byte(stderr.String()), 2000))
		}
		return stdout.String(), stderr.String()
	}

	out, errOut := run(path)
	events := orders + refunded // and an order.refunded per refunded order
	if !strings.Contains(out, fmt.Sprintf("added %d events, 0 imported before", events)) {
		t.Errorf("first import: %s", out)
	}
	if !strings.Contains(errOut, "storing") || !strings.Contains(errOut, "100%") {
		t.Errorf("no progress bar on stderr:\n%s", tail([]byte(errOut), 1000))
	}
	out, _ = run(path)
	if !strings.Contains(out, fmt.Sprintf("added 0 events, %d imported before", events)) {
		t.Errorf("second import: %s", out)
	}

	db, err := sqlite.Open(context.Background(), filepath.Join(data, "aftersale.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var nOrders, nCustomers, nRuns, nRefunded int
	q := db.SQL().QueryRow(`SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM customers),
		(SELECT count(*) FROM journey_runs), (SELECT count(*) FROM orders WHERE status = 'refunded')`)
	if err := q.Scan(&nOrders, &nCustomers, &nRuns, &nRefunded); err != nil {
		t.Fatal(err)
	}
	if nOrders != orders || nCustomers != orders || nRuns != 0 || nRefunded != refunded {
		t.Errorf("orders %d customers %d journey runs %d refunded %d; want %d, %d, 0, %d",
			nOrders, nCustomers, nRuns, nRefunded, orders, orders, refunded)
	}
	if left, err := db.InboxList(context.Background(), 10); err != nil || len(left) != 0 {
		t.Errorf("inbox after the import: %d events (%v)", len(left), err)
	}
	var items int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM order_items`).Scan(&items); err != nil || items != rows {
		t.Errorf("order lines %d (%v), want %d", items, err, rows)
	}
	if entries, _ := os.ReadDir(filepath.Join(data, "outbox")); len(entries) != 0 {
		t.Errorf("%d emails in the outbox after importing history", len(entries))
	}

	// Bad rows: reported by row and column, nothing stored, non-zero exit.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("order_id,email,occurred_at,item_name,quantity\n"+
		"B-1,ok@example.com,2026-01-01,Guide,1\n"+
		"B-2,not-an-email,2026-01-01,Guide,1\n"+
		"B-3,ok3@example.com,2026-01-01,Guide,many\n"), 0o600)
	cmd := exec.Command(binary(t), "import", "orders", "--dry-run", bad)
	cmd.Env = append(os.Environ(), "AFTERSALE_DATA_DIR="+data)
	combined, err := cmd.CombinedOutput()
	if err == nil {
		t.Errorf("a dry run with bad rows exited 0:\n%s", combined)
	}
	for _, want := range []string{"row 3, column email", "row 4, column quantity", "nothing was stored"} {
		if !strings.Contains(string(combined), want) {
			t.Errorf("dry run output lacks %q:\n%s", want, combined)
		}
	}
}
