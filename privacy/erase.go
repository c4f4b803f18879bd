package privacy

// Erase: a customer's personal data removed everywhere it is kept,
// anonymous facts and counts kept.

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/outbox"
)

// EraseReport says what Erase did.
type EraseReport struct {
	// CustomerID is the erased customer's record, which stays (as
	// "erased-ID@erased.invalid") so that counts stay right.
	CustomerID int64 `json:"customer_id"`
	// RunsExited and StepsStopped count the journeys stopped, so that
	// nothing more is planned or sent for them.
	RunsExited   int `json:"runs_exited"`
	StepsStopped int `json:"steps_stopped"`
	// OutboxFiles counts the .eml files removed from the local outbox.
	OutboxFiles int `json:"outbox_files_removed"`
}

// eraseInboxWait bounds how long Erase waits for the events about the
// customer that are still in the inbox to be processed.
const eraseInboxWait = 15 * time.Second

// Erase removes the personal data of the customer with the email
// everywhere aftersale keeps it, and keeps the anonymous facts (orders,
// statuses, times, counts): the events about them still in the inbox are
// processed first; the sends in flight on this node finish and new ones
// wait (Pipeline.Exclusive); their active journeys are exited (nothing more is
// sent, and no mail goes to an erased customer at all); the store erases
// them (Store.CustomerErase) in the same transaction; the local outbox's
// messages to them or about them are removed; and the database files are
// rewritten (Store.Scrub) so that the old data is gone from them, not only
// unreachable. by says who asked (for the log; it must not be an email
// address).
func (s *Service) Erase(ctx context.Context, addr, by string) (*EraseReport, error) {
	st := s.cfg.Store
	addr = strings.ToLower(strings.TrimSpace(addr))
	c, err := s.customerByEmail(ctx, addr)
	if err != nil {
		return nil, err
	}
	var rep *EraseReport
	var ids map[string]bool
	for attempt := 0; ; attempt++ {
		if err := s.drainInbox(ctx, addr); err != nil {
			return nil, err
		}
		// An event about them that arrived after the drain makes the
		// store refuse (ECONFLICT, nothing changed): drain again.
		rep, ids, err = s.eraseInStore(ctx, c.ID)
		if err == nil {
			break
		}
		if aftersale.ErrorCode(err) != aftersale.ECONFLICT || attempt == 20 {
			return nil, err
		}
	}
	rep.OutboxFiles, err = s.cleanOutbox(ctx, addr, ids)
	if err != nil {
		s.log.ErrorContext(ctx, "customer erased, but the outbox could not be cleaned", "customer_id", c.ID, "err", aftersale.Redact(err))
		return rep, aftersale.Errorf(aftersale.EINTERNAL, "the customer's data is erased from the database, but their emails could not be removed from the outbox folder %s (see the log)", s.cfg.OutboxDir)
	}
	if err := st.Scrub(ctx); err != nil {
		s.log.ErrorContext(ctx, "customer erased, but the database files could not be rewritten", "customer_id", c.ID, "err", aftersale.Redact(err))
		return rep, aftersale.Errorf(aftersale.EINTERNAL, "the customer's data is erased, but rewriting the database files failed (see the log), so traces may remain in them until the next erase")
	}
	s.log.InfoContext(ctx, "customer erased", "customer_id", c.ID, "by", by, "runs_exited", rep.RunsExited,
		"steps_stopped", rep.StepsStopped, "outbox_files_removed", rep.OutboxFiles)
	return rep, nil
}

// eraseInStore exits the customer's journeys and erases them in one
// transaction that holds the event processing lock (so that no event about
// them is being applied meanwhile, on any node) while no send reads them
// on this node (Pipeline.Exclusive). The lock is tried again for
// up to eraseInboxWait while another node holds it. It returns the
// Message-IDs of the customer's emails, which name their outbox files.
func (s *Service) eraseInStore(ctx context.Context, id int64) (*EraseReport, map[string]bool, error) {
	deadline := time.Now().Add(eraseInboxWait)
	for {
		rep, ids, ran, err := s.eraseTx(ctx, id)
		if ran || err != nil {
			return rep, ids, err
		}
		if time.Now().After(deadline) {
			return nil, nil, aftersale.Errorf(aftersale.ECONFLICT, "events are being processed without pause; try the erase again in a minute")
		}
		if !sleep(ctx, 50*time.Millisecond) {
			return nil, nil, ctx.Err()
		}
	}
}

// eraseTx is one attempt of eraseInStore; ran is false when another
// node holds the processing lock.
func (s *Service) eraseTx(ctx context.Context, id int64) (_ *EraseReport, _ map[string]bool, ran bool, _ error) {
	var rep *EraseReport
	var ids map[string]bool
	now := s.cfg.Clock.RealNow()
	ran, err := s.cfg.Pipeline.Exclusive(ctx, func(ctx context.Context, atx aftersale.Tx) error {
		var tx Tx = atx
		rep, ids = &EraseReport{CustomerID: id}, map[string]bool{}
		msgs, err := tx.MessageListByCustomer(ctx, id)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.MessageID != "" {
				ids[m.MessageID] = true
			}
		}
		runs := map[int64]bool{}
		orders, err := tx.OrderListByCustomer(ctx, id)
		if err != nil {
			return err
		}
		for _, o := range orders {
			rs, err := tx.RunListByOrder(ctx, o.ID)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if r.CustomerID == id && r.Status == aftersale.RunActive {
					runs[r.ID] = true
				}
			}
		}
		steps, err := aftersale.StepsWithPlans(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, p := range steps {
			if p.Status == aftersale.StepPending {
				runs[p.RunID] = true
			}
		}
		for runID := range runs {
			n, err := tx.RunExit(ctx, runID, "customer erased", now)
			if aftersale.IsNotFound(err) {
				continue
			} else if err != nil {
				return err
			}
			rep.RunsExited++
			rep.StepsStopped += n
		}
		return tx.CustomerErase(ctx, id, now)
	})
	if err != nil || !ran {
		return nil, nil, ran, err
	}
	return rep, ids, true, nil
}

// drainInbox processes the inbox until no event in it carries the address
// (another node may be processing it: then it waits, up to
// eraseInboxWait).
func (s *Service) drainInbox(ctx context.Context, addr string) error {
	deadline := time.Now().Add(eraseInboxWait)
	for {
		if err := s.cfg.Pipeline.ProcessPending(ctx); err != nil {
			return err
		}
		evs, err := s.cfg.Store.InboxList(ctx, 1<<20)
		if err != nil {
			return err
		}
		waiting := false
		for _, ev := range evs {
			if containsAddress(bytes.ToLower(ev.Payload), addr) {
				waiting = true
				break
			}
		}
		if !waiting {
			return nil
		}
		if time.Now().After(deadline) {
			return aftersale.Errorf(aftersale.ECONFLICT, "events about the customer are still waiting to be processed; try again in a minute")
		}
		if !sleep(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// cleanOutbox removes the outbox's messages with the Message-IDs and any
// other message that names the address (a digest to the team, say), and
// says how many files it removed.
func (s *Service) cleanOutbox(ctx context.Context, addr string, messageIDs map[string]bool) (int, error) {
	dir := s.cfg.OutboxDir
	if dir == "" {
		return 0, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	names := map[string]bool{}
	for id := range messageIDs {
		names[outbox.FileName(id)] = true
	}
	removed := 0
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		if !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		remove := names[e.Name()]
		if !remove {
			raw, err := os.ReadFile(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			} else if err != nil {
				return removed, err
			}
			remove = mentions(raw, addr)
		}
		if !remove {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, err
		}
		removed++
	}
	if removed > 0 {
		if d, err := os.Open(dir); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return removed, nil
}

// mentions reports whether the raw message names the address anywhere: in
// its bytes, its decoded headers, or its decoded (quoted-printable or
// base64) parts.
func mentions(raw []byte, addr string) bool {
	addr = strings.ToLower(addr)
	if containsAddress(bytes.ToLower(raw), addr) {
		return true
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return false
	}
	var dec mime.WordDecoder
	for _, vs := range msg.Header {
		for _, v := range vs {
			if d, err := dec.DecodeHeader(v); err == nil && containsAddress(bytes.ToLower([]byte(d)), addr) {
				return true
			}
		}
	}
	return partMentions(textproto.MIMEHeader(msg.Header), msg.Body, addr, 0)
}

// partMentions reports whether a MIME part, decoded, names the
// (lower-case) address.
func partMentions(h textproto.MIMEHeader, body io.Reader, addr string, depth int) bool {
	if depth > 8 {
		return false
	}
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return false
			}
			if partMentions(p.Header, p, addr, depth+1) {
				return true
			}
		}
	}
	r := body
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, _ := io.ReadAll(io.LimitReader(r, 32<<20))
	return containsAddress(bytes.ToLower(b), addr)
}

// containsAddress reports whether hay names the address as a whole: not
// as the tail of a longer one (ana@example.com in diana@example.com) nor
// as the head of one (ana@example.com in ana@example.com.au). A full stop
// right after it ends a sentence, not the domain. Both are lower-case.
func containsAddress(hay []byte, addr string) bool {
	needle := []byte(addr)
	for off := 0; ; {
		i := bytes.Index(hay[off:], needle)
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len(needle)
		before := start == 0 || !isLocalPartByte(hay[start-1])
		after := end == len(hay) || !isDomainByte(hay[end]) ||
			hay[end] == '.' && (end+1 == len(hay) || !isDomainByte(hay[end+1]) || hay[end+1] == '.')
		if before && after {
			return true
		}
		off = start + 1
	}
}

// isLocalPartByte says whether c may be part of an address's local part.
func isLocalPartByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0
}

// isDomainByte says whether c may be part of a domain name.
func isDomainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}
