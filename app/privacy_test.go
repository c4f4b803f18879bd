package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/smtptest"
)

// The people of the privacy test: Ana is erased; Bob, Cara and Uli stay.
// Ana's address is written with capitals in one event: it is one person.
const (
	anaAddr  = "ana.erase@example.com"
	anaMixed = "Ana.Erase@Example.COM"
	bobAddr  = "bob.keeps@example.com"
	caraAddr = "cara.keeps@example.com"
	uliAddr  = "uli.keeps@example.com"
)

// lockedLog collects an app's logs.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// boot runs an app on cfg until stop (or the end of the test).
func boot(t *testing.T, cfg app.Config) (b *bundle, stop func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listener = l
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			a.Close()
		})
	}
	t.Cleanup(stop)
	b = &bundle{app: a, base: "http://" + l.Addr().String()}
	if cfg.Clock.Manual() {
		b.clock = cfg.Clock
	}
	pollUntil(t, "/healthz to answer 200", func() bool {
		resp, err := http.Get(b.base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return b, stop
}

// counts are the anonymous facts that an erase keeps.
func counts(t *testing.T, st aftersale.Store) (orders, messages int) {
	t.Helper()
	ctx := context.Background()
	list, err := st.OrderList(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	byStatus, err := st.MessageCountByStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range byStatus {
		messages += n
	}
	return len(list), messages
}

// TestEraseLeavesNoTrace gives Ana everything aftersale keeps on a
// person — orders as buyer and as user, packages, a return, a session,
// survey answers, a success plan and a check-in, tasks, coupons, a
// referral code and a referral, a story, a broadcast message, emails sent
// over SMTP and, in a second run without SMTP, emails in the outbox
// folder — exports it, erases her through the API of the running service,
// and then finds her address nowhere: not in any file of the data
// directory on SQLite (the databases, their WAL files, the outbox), not in
// any text, JSON or binary column on PostgreSQL. The others keep their
// data; the counts of orders and emails do not change.
func TestEraseLeavesNoTrace(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, db func(*app.Config)) {
		ctx := context.Background()
		dataDir := t.TempDir()
		logs := &lockedLog{}
		base := func(c *app.Config) {
			c.DataDir, c.Sender.From, c.APIKey, c.QuietHours = dataDir, "Ana at Shop <hello@shop.example>", apiKey, "off"
			c.Logger = slog.New(slog.NewTextHandler(logs, nil))
			db(c)
		}
		defer func() {
			if t.Failed() {
				t.Logf("logs:\n%s", tail(logs.String(), 6000))
			}
		}()

		// Both runs take their time from one manual clock.
		clock := aftersale.NewManualClock(clockStart())

		// Run 1: mail goes to an SMTP server.
		srv := smtptest.Start(t)
		cfg := app.Config{Clock: clock}
		cfg.SMTPURL = srv.URL()
		base(&cfg)
		b, stop := boot(t, cfg)
		b.smtp = srv
		st := b.app.Store()
		posts := []string{
			b.orderEvent("evt_a1", anaMixed, "9101", "physical", `,"user":{"email":"`+uliAddr+`","name":"Uli Keeps"}`),
			b.orderEvent("evt_b1", bobAddr, "9201", "physical", ""),
			// Cara bought something that Ana uses.
			b.orderEvent("evt_c1", caraAddr, "9301", "coaching", `,"user":{"email":"`+anaAddr+`","name":"Ana Lima"}`),
		}
		for _, p := range posts {
			if code, body := b.post(t, p); code != 202 {
				t.Fatalf("post: %d %v\n%s", code, body, p)
			}
		}
		// The return ends the selling steps: let the first emails go first.
		b.settle(t)
		b.daysUntilTemplate(t, anaAddr, "thank_you", 3)
		b.daysUntilTemplate(t, bobAddr, "thank_you", 3)
		posts = []string{
			b.shipEvent("evt_s1", "9101", "shipped", "UPS", "1Z999AA10123456784", ""),
			b.shipEvent("evt_s2", "9101", "delivered", "UPS", "1Z999AA10123456784", ""),
			`{"id":"evt_k1","type":"booking.scheduled","occurred_at":"` + b.stamp(0) + `","booking":{"order_id":"9301","starts_at":"` + b.stamp(7*24*time.Hour+5*time.Hour) + `","title":"Kick-off with Ana","join_url":"https://meet.example/ana"}}`,
		}
		for _, p := range posts {
			if code, body := b.post(t, p); code != 202 {
				t.Fatalf("post: %d %v\n%s", code, body, p)
			}
		}
		b.settle(t)
		waitRecorded(t, st, anaAddr, "shipment_update", 2)
		ret := `{"id":"evt_r1","type":"return.requested","occurred_at":"` + b.stamp(0) + `","return":{"order_id":"9101","reason":"Wrong size","comment":"Please write to ` + anaAddr + `"}}`
		if code, body := b.post(t, ret); code != 202 {
			t.Fatalf("post: %d %v", code, body)
		}
		b.settle(t)
		waitRecorded(t, st, anaAddr, "return_instructions", 1)

		ana, err := st.CustomerGetByEmail(ctx, anaAddr)
		if err != nil {
			t.Fatal(err)
		}
		bob, err := st.CustomerGetByEmail(ctx, bobAddr)
		if err != nil {
			t.Fatal(err)
		}
		a1, err := st.OrderGetByExternalID(ctx, "9101")
		if err != nil {
			t.Fatal(err)
		}
		b1, err := st.OrderGetByExternalID(ctx, "9201")
		if err != nil {
			t.Fatal(err)
		}
		now := b.now()
		mention := "reach Ana Lima at " + anaAddr
		must := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		_, err = st.SurveyAnswerSave(ctx, &aftersale.SurveyAnswer{CustomerID: ana.ID, OrderID: a1.ID, Kind: aftersale.AnswerNPS, Value: 9, CreatedAt: now})
		must("survey answer", err)
		_, err = st.SurveyAnswerSave(ctx, &aftersale.SurveyAnswer{CustomerID: ana.ID, OrderID: a1.ID, Kind: aftersale.AnswerComment, Comment: "Lovely; " + mention, CreatedAt: now})
		must("survey comment", err)
		must("arrival", func() error { _, err := st.OrderSetArrival(ctx, a1.ID, aftersale.ArrivalYes, now); return err }())
		must("plan", st.PlanSave(ctx, &aftersale.SuccessPlan{OrderID: a1.ID, CustomerID: ana.ID,
			Objectives: []string{"Wear it daily; " + mention}, Metrics: []string{"Days worn"}, UpdatedBy: "client", UpdatedAt: now}))
		_, err = st.CheckInAdd(ctx, &aftersale.CheckIn{OrderID: a1.ID, Progress: 40, Note: "On track; " + mention, By: "owner@shop.example", CreatedAt: now})
		must("check-in", err)
		task, err := st.TaskCreate(ctx, &aftersale.Task{CustomerID: ana.ID, OrderID: a1.ID, Kind: aftersale.TaskCall,
			Title: "Call Ana Lima <" + anaAddr + ">", Script: "1. Ask how it fits\n2. " + mention, Draft: "Hi Ana,\n\n" + mention,
			Assignee: "owner", Status: aftersale.TaskOpen, DueAt: now, CreatedAt: now})
		must("task", err)
		_, _, err = st.CouponIssue(ctx, &aftersale.Coupon{Code: "ANA-OFFER-1", CustomerID: ana.ID, Purpose: aftersale.CouponOffer, PercentOff: 10, CreatedAt: now})
		must("coupon", err)
		rc, err := st.ReferralCodeEnsure(ctx, ana.ID, "ANAREF1", now) // or the code a journey gave her
		must("referral code", err)
		_, _, err = st.ReferralRecord(ctx, &aftersale.Referral{ReferrerID: ana.ID, CustomerID: bob.ID, OrderID: b1.ID, Code: rc.Code, CreatedAt: now})
		must("referral", err)
		story, err := st.StorySave(ctx, &aftersale.Story{Title: "How Lee got on", Body: "Lee wore it daily.", Permission: true, CreatedAt: now, UpdatedAt: now})
		must("story", err)
		must("story sent", st.StoryMarkSent(ctx, ana.ID, story.ID, now))
		bc, err := st.BroadcastCreate(ctx, &aftersale.Broadcast{Title: "Spring", Subject: "Spring is here", Body: "Hi {{.FirstName}}",
			Status: aftersale.BroadcastDraft, Rate: 10, CreatedBy: "owner@shop.example", CreatedAt: now})
		must("broadcast", err)
		_, _, err = st.BroadcastRecipientBegin(ctx, &aftersale.BroadcastRecipient{BroadcastID: bc.ID, CustomerID: ana.ID, Status: "sending", At: now})
		must("broadcast recipient", err)
		must("broadcast sent", st.BroadcastRecipientFinish(ctx, bc.ID, ana.ID, "sent", "<bc-1@shop.example>", "", now))
		stop()

		// Run 2: no SMTP server; mail is kept in the outbox folder. The
		// clock stands still, so that Ana has pending steps at the erase.
		cfg = app.Config{Clock: clock}
		base(&cfg)
		b, stop = boot(t, cfg)
		st = b.app.Store()
		for _, p := range []string{
			b.orderEvent("evt_a2", anaAddr, "9102", "digital", ""),
			b.orderEvent("evt_b2", bobAddr, "9202", "digital", ""),
		} {
			if code, body := b.post(t, p); code != 202 {
				t.Fatalf("post: %d %v", code, body)
			}
		}
		outboxDir := filepath.Join(dataDir, "outbox")
		b.settle(t)
		waitOutbox(t, outboxDir, anaAddr)
		waitOutbox(t, outboxDir, bobAddr)

		// The export holds all of it, as JSON.
		code, x := b.do(t, "GET", "/api/v1/customers/"+anaMixed+"/export", apiKey, "", nil)
		if code != 200 {
			t.Fatalf("export: %d %v", code, x)
		}
		checkExport(t, x, task.ID, rc.Code)
		if code, body := b.do(t, "GET", "/api/v1/customers/nobody@example.com/export", apiKey, "", nil); code != 404 || body["error"] == nil {
			t.Errorf("export of nobody: %d %v", code, body)
		}

		// An event about Ana that is still in the inbox when the erase
		// starts is processed first, not left behind.
		ev, err := aftersale.DecodeEvent([]byte(b.shipEvent("evt_s3", "9102", "shipped", "DHL", "JD014600003SE", "")))
		must("decode", err)
		if _, err := b.app.Service().Import(ctx, []*aftersale.Event{ev}, nil); err != nil {
			t.Fatal(err)
		}
		ordersBefore, msgsBefore := counts(t, st)
		code, body := b.do(t, "DELETE", "/api/v1/customers/"+anaMixed, apiKey, "", nil)
		if code != 200 || body["erased"] != true || body["customer_id"] != float64(ana.ID) {
			t.Fatalf("erase: %d %v", code, body)
		}
		if body["runs_exited"].(float64) < 1 || body["outbox_files_removed"].(float64) < 1 {
			t.Errorf("erase stopped no journey or removed no outbox file: %v", body)
		}
		scanData(t, dataDir, st, anaAddr, bobAddr) // while the service runs

		if code, body := b.do(t, "DELETE", "/api/v1/customers/"+anaAddr, apiKey, "", nil); code != 404 || !strings.Contains(fmt.Sprint(body["error"]), anaAddr) {
			t.Errorf("second erase: %d %v, want 404 naming the address", code, body)
		}
		if code, _ := b.do(t, "GET", "/api/v1/customers/"+anaAddr, apiKey, "", nil); code != 404 {
			t.Errorf("GET the erased customer: %d, want 404", code)
		}
		if o, m := counts(t, st); o != ordersBefore || m < msgsBefore {
			t.Errorf("after the erase: %d orders, %d emails; before: %d, %d", o, m, ordersBefore, msgsBefore)
		}
		for _, who := range []string{bobAddr, caraAddr, uliAddr} {
			if _, err := st.CustomerGetByEmail(ctx, who); err != nil {
				t.Errorf("%s is gone: %v", who, err)
			}
		}
		if c := b.customer(t, bobAddr); len(c["orders"].([]any)) != 2 || len(c["timeline"].([]any)) == 0 {
			t.Errorf("Bob lost data: %v", c)
		}
		if c := b.customer(t, caraAddr); len(c["orders"].([]any)) != 1 {
			t.Errorf("Cara lost her order: %v", c)
		}
		if got, err := st.TaskGet(ctx, task.ID); err != nil || got.Status == aftersale.TaskOpen && strings.Contains(got.Title, "Ana") {
			t.Errorf("Ana's task after the erase: %+v %v", got, err)
		}

		// Nothing more goes to what remains of Ana: Cara's order still
		// writes to its user, and that mail is suppressed.
		b.days(t, 2)
		entries, _ := os.ReadDir(outboxDir)
		for _, e := range entries {
			raw, _ := os.ReadFile(filepath.Join(outboxDir, e.Name()))
			if bytes.Contains(raw, []byte("erased.invalid")) {
				t.Errorf("mail to the erased customer after the erase: %s", e.Name())
			}
		}
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(strings.ToLower(line), anaAddr) {
				t.Errorf("the log holds the address: %s", line)
			}
		}
		if !strings.Contains(logs.String(), "customer erased") {
			t.Error("the erase is not logged")
		}

		// Once the service has stopped (SQLite checkpoints its WAL on close).
		stop()
		scanData(t, dataDir, nil, anaAddr, bobAddr)
	})
}

// waitRecorded waits until n emails of the template to addr are recorded
// as sent (a row written as the SMTP hand-off ends; the service has
// settled by then).
func waitRecorded(t *testing.T, st aftersale.Store, addr, tmpl string, n int) {
	t.Helper()
	ctx := context.Background()
	c, err := st.CustomerGetByEmail(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	pollUntil(t, fmt.Sprintf("%d %s emails to %s recorded as sent", n, tmpl, addr), func() bool {
		msgs, err := st.MessageListByCustomer(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, m := range msgs {
			if m.Template == tmpl && m.Status == aftersale.MessageSent {
				got++
			}
		}
		return got >= n
	})
}

// waitOutbox waits until a file in the outbox names addr.
func waitOutbox(t *testing.T, dir, addr string) {
	t.Helper()
	pollUntil(t, "an email to "+addr+" in the outbox "+dir, func() bool {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if raw, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && bytes.Contains(asciiLower(raw), []byte(addr)) {
				return true
			}
		}
		return false
	})
}

// checkExport checks that the export holds Ana's data.
func checkExport(t *testing.T, x map[string]any, taskID int64, refCode string) {
	t.Helper()
	raw, _ := json.Marshal(x)
	list := func(key string) []any {
		l, ok := x[key].([]any)
		if !ok {
			t.Errorf("export: %s is %T, want a list", key, x[key])
		}
		return l
	}
	if c := x["customer"].(map[string]any); c["email"] != anaAddr || c["name"] != "Ana Lima" || c["phone"] != "+15551234567" {
		t.Errorf("export: customer %v", c)
	}
	roles := map[string]string{}
	for _, o := range list("orders") {
		o := o.(map[string]any)
		roles[o["id"].(string)] = o["role"].(string)
		if o["id"] != "9101" {
			continue
		}
		if len(o["items"].([]any)) != 1 || len(o["shipments"].([]any)) != 1 || len(o["returns"].([]any)) != 1 ||
			o["arrival"] != "yes" || o["success_plan"] == nil || len(o["check_ins"].([]any)) != 1 {
			t.Errorf("export: order 9101 %v", o)
		}
	}
	if roles["9101"] != "buyer" || roles["9102"] != "buyer" || roles["9301"] != "user" {
		t.Errorf("export: order roles %v", roles)
	}
	templates := map[string]bool{}
	for _, m := range list("messages") {
		templates[m.(map[string]any)["template"].(string)] = true
	}
	for _, want := range []string{"thank_you", "return_instructions", "shipment_update"} {
		if !templates[want] {
			t.Errorf("export: no %s email among %v", want, templates)
		}
	}
	var payloads int
	for _, e := range list("events") {
		if _, ok := e.(map[string]any)["payload"].(map[string]any); ok {
			payloads++
		}
	}
	if payloads == 0 {
		t.Error("export: no event with its payload as JSON")
	}
	var ourTask bool
	for _, tk := range list("tasks") {
		ourTask = ourTask || tk.(map[string]any)["id"] == float64(taskID)
	}
	if !ourTask {
		t.Errorf("export: no task %d", taskID)
	}
	for key, n := range map[string]int{"survey_answers": 2, "referrals_made": 1, "stories_sent": 1, "broadcast_messages": 1} {
		if got := len(list(key)); got != n {
			t.Errorf("export: %d %s, want %d", got, key, n)
		}
	}
	var offer bool
	for _, c := range list("coupons") {
		offer = offer || c.(map[string]any)["code"] == "ANA-OFFER-1"
	}
	if !offer {
		t.Errorf("export: coupons %v lack ANA-OFFER-1", x["coupons"])
	}
	if rc, _ := x["referral_code"].(map[string]any); rc["code"] != refCode {
		t.Errorf("export: referral code %v", x["referral_code"])
	}
	if len(list("journey_steps")) == 0 || len(list("journey_runs")) == 0 {
		t.Error("export: no journey steps or runs")
	}
	if strings.Contains(string(raw), bobAddr) {
		t.Error("export: holds another customer's address (the referral's buyer)")
	}
}

// scanData fails the test if addr appears anywhere in the data: every file
// under dir (the SQLite databases, their -wal and -shm files, the outbox)
// and, on PostgreSQL (st not nil and Dialect postgres), every text, JSON
// and binary column of every table. keep is an address that must still be
// found, to show that the scan sees the data.
func scanData(t *testing.T, dir string, st aftersale.Store, addr, keep string) {
	t.Helper()
	needle, kept := []byte(strings.ToLower(addr)), false
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // removed meanwhile (a -shm file, a temporary file)
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		raw, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			return nil
		} else if err != nil {
			return err
		}
		low := asciiLower(raw)
		if i := bytes.Index(low, needle); i >= 0 {
			t.Errorf("%s holds the erased address at byte %d: …%q…", p, i, raw[max(0, i-60):min(len(raw), i+len(needle)+20)])
		}
		kept = kept || bytes.Contains(low, []byte(keep))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st == nil || st.Dialect() != "postgres" {
		if !kept {
			t.Errorf("no file holds %s: the scan does not see the data", keep)
		}
		return
	}
	scanPostgres(t, st, addr, keep)
}

// asciiLower lower-cases the ASCII letters of b, byte for byte (unlike
// bytes.ToLower, which turns invalid UTF-8 into longer runes).
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// scanPostgres searches every text, JSON, array and binary column of every
// table of the store's database for addr.
func scanPostgres(t *testing.T, st aftersale.Store, addr, keep string) {
	t.Helper()
	ctx := context.Background()
	err := st.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		ptx, err := postgres.DriverTx(tx)
		if err != nil {
			return err
		}
		rows, err := ptx.Query(ctx, `
			SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
			JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
			  AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'bytea', 'USER-DEFINED')`)
		if err != nil {
			return err
		}
		type col struct{ table, column, typ string }
		var cols []col
		for rows.Next() {
			var c col
			if err := rows.Scan(&c.table, &c.column, &c.typ); err != nil {
				return err
			}
			cols = append(cols, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(cols) < 10 {
			return fmt.Errorf("only %d columns to search: %v", len(cols), cols)
		}
		kept := 0
		for _, c := range cols {
			expr := pgx.Identifier{c.column}.Sanitize() + "::text"
			if c.typ == "bytea" {
				expr = "encode(" + pgx.Identifier{c.column}.Sanitize() + ", 'escape')"
			}
			q := "SELECT count(*) FROM " + pgx.Identifier{c.table}.Sanitize() + " WHERE " + expr + " ILIKE $1"
			var n, k int
			if err := ptx.QueryRow(ctx, q, "%"+addr+"%").Scan(&n); err != nil {
				return fmt.Errorf("%s.%s: %w", c.table, c.column, err)
			}
			if n > 0 {
				t.Errorf("%s.%s: %d rows hold the erased address", c.table, c.column, n)
			}
			if err := ptx.QueryRow(ctx, q, "%"+keep+"%").Scan(&k); err != nil {
				return err
			}
			kept += k
		}
		if kept == 0 {
			t.Errorf("no column holds %s: the scan does not see the data", keep)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
