package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCustomerExportAndEraseCommands drives `aftersale customer export`
// and `aftersale customer erase` on an install whose mail goes to the
// outbox folder: one customer is erased while the service runs, another
// with it stopped; afterwards no file of the data directory (the
// databases, their WAL files, the outbox) holds either address, in any
// case, and the other customers keep their data.
func TestCustomerExportAndEraseCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addr := freePort(t)
	logPath := filepath.Join(dir, "node.log")
	env := []string{
		"AFTERSALE_DATA_DIR=" + data,
		"AFTERSALE_API_KEY=" + apiKey,
		"AFTERSALE_TIME_SCALE=86400", // a day passes in a second
		"AFTERSALE_QUIET_HOURS=off",
		"AFTERSALE_LOG_FORMAT=text",
		"AFTERSALE_FROM=Shop <hello@shop.example>",
	}
	defer func() {
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("node log (tail):\n%s", tail(log, 4000))
		}
	}()
	const (
		ana = "ana.cli@example.com" // erased with the service stopped
		eve = "eve.cli@example.com" // erased while it runs
		bob = "bob.cli@example.com" // stays
	)
	// The events happen now, by the clock the process runs on (the real
	// one): the orders two minutes ago, the shipment one minute ago.
	placed, shipped := time.Now().UTC().Add(-2*time.Minute).Format(time.RFC3339), time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	order := func(id, who, orderID, kind string) string {
		return fmt.Sprintf(`{"id":%q,"type":"order.placed","occurred_at":%q,
			"customer":{"email":%q,"name":"Some One","phone":"+15551234567","marketing_consent":true},
			"order":{"id":%q,"currency":"USD","total":"9.00","items":[{"sku":"x","name":"Guide","kind":%q,"price":"9.00","access_url":"https://shop.example/a"}]}}`,
			id, placed, who, orderID, kind)
	}
	n := startNode(t, addr, env, logPath)
	for _, ev := range []string{
		order("e1", strings.ToUpper(ana), "o-1", "physical"), // one person, whatever the case
		order("e2", ana, "o-2", "digital"),
		order("e3", eve, "o-3", "digital"),
		order("e4", bob, "o-4", "digital"),
		fmt.Sprintf(`{"id":"e5","type":"shipment.updated","occurred_at":%q,"shipment":{"order_id":"o-1","status":"shipped","carrier":"UPS","tracking_number":"1Z999AA10123456784"}}`, shipped),
	} {
		if code, err := postEvent(addr, ev); err != nil || code != 202 {
			n.kill()
			t.Fatalf("post: %d %v", code, err)
		}
	}
	outbox := filepath.Join(data, "outbox")
	for _, who := range []string{ana, eve, bob} {
		waitFile(t, outbox, who)
	}

	run := func(args ...string) (stdout, stderr string, err error) {
		t.Helper()
		cmd := exec.Command(binary(t), args...)
		cmd.Env = append(append(os.Environ(), env...), "AFTERSALE_ADDR="+freePort(t))
		cmd.Stdin = strings.NewReader(ana + "\n") // not a terminal
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err = cmd.Run()
		return o.String(), e.String(), err
	}

	// Help.
	for _, sub := range []string{"export", "erase"} {
		out, _, err := run("customer", sub, "--help")
		if err != nil || !strings.Contains(out, "<email>") || !strings.Contains(out, "--data-dir") {
			t.Errorf("customer %s --help: %v\n%s", sub, err, out)
		}
		if sub == "erase" && (!strings.Contains(out, "--yes") || !strings.Contains(out, "service stopped")) { // asked on a terminal only
			t.Errorf("customer erase --help says nothing of --yes or the running service:\n%s", out)
		}
	}

	// Erase while the service runs.
	out, errOut, err := run("customer", "erase", eve, "--yes")
	if err != nil || !strings.Contains(out, "erased customer #") {
		t.Fatalf("erase %s while running: %v\n%s\n%s", eve, err, out, errOut)
	}
	// Stop the service (SIGTERM: a graceful stop).
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	_ = n.waitExit("SIGTERM")
	n.log.Close()

	// Export, to standard output and to a file.
	out, errOut, err = run("customer", "export", strings.ToUpper(ana))
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	var x struct {
		Customer struct{ Email, Name string }
		Orders   []struct {
			ID        string
			Items     []struct{ Name string }
			Shipments []struct{ Carrier string }
		}
		Messages []struct{ Template, MessageID string } `json:"messages"`
		Events   []struct{ Payload json.RawMessage }
	}
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	if x.Customer.Email != ana || x.Customer.Name != "Some One" || len(x.Orders) != 2 || len(x.Messages) == 0 || len(x.Events) < 3 {
		t.Errorf("export: %+v", x)
	}
	for _, o := range x.Orders {
		if o.ID == "o-1" && (len(o.Items) != 1 || len(o.Shipments) != 1) {
			t.Errorf("export: order o-1 %+v", o)
		}
	}
	file := filepath.Join(dir, "ana.json")
	if _, errOut, err := run("customer", "export", ana, "--output", file); err != nil || !strings.Contains(errOut, "wrote "+file) {
		t.Errorf("export --output: %v\n%s", err, errOut)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("export file: %v %v", fi, err)
	} else if b, _ := os.ReadFile(file); !json.Valid(b) || !bytes.Contains(b, []byte(ana)) {
		t.Errorf("export file is not the export:\n%s", b)
	}
	if _, errOut, err := run("customer", "export", "nobody@example.com"); err == nil || !strings.Contains(errOut, "no customer has the email nobody@example.com") {
		t.Errorf("export of nobody: %v\n%s", err, errOut)
	}
	os.Remove(file)

	// A script (no terminal) is not asked: the command names the address.
	out, errOut, err = run("customer", "erase", ana)
	if err != nil || !strings.Contains(out, "erased customer #") || !strings.Contains(out, "outbox files removed") {
		t.Fatalf("erase: %v\n%s\n%s", err, out, errOut)
	}
	if strings.Contains(out, ana) || strings.Contains(errOut, ana) {
		t.Errorf("the erase's output names the address:\n%s\n%s", out, errOut)
	}
	if _, errOut, err := run("customer", "erase", ana, "--yes"); err == nil || !strings.Contains(errOut, "no customer has the email") {
		t.Errorf("erase twice: %v\n%s", err, errOut)
	}

	// No file holds either address; Bob's data is there.
	var bobSeen bool
	err = filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		low := bytes.ToLower(b)
		for _, who := range []string{ana, eve} {
			if i := bytes.Index(low, []byte(who)); i >= 0 {
				t.Errorf("%s holds the erased address %s at byte %d", p, who, i)
			}
		}
		bobSeen = bobSeen || bytes.Contains(low, []byte(bob))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bobSeen {
		t.Error("no file holds the address of the customer who stays")
	}

	// Started again, the service knows Bob and not the others.
	n = startNode(t, addr, env, logPath)
	defer n.kill()
	for who, want := range map[string]int{ana: 404, eve: 404, bob: 200} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/customers/"+who, nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", who, resp.StatusCode, want)
		}
	}
}

// waitFile waits until a file in dir holds s, at most processGuard.
func waitFile(t *testing.T, dir, s string) {
	t.Helper()
	if !pollUntil(processGuard, func() bool {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && bytes.Contains(b, []byte(s)) {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no file in %s holds %s within %v (hang guard)", dir, s, processGuard)
	}
}
