package bounce_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/bounce"
)

// TestReplyWins checks that the remote server's reply decides when it and
// the DSN's Status disagree.
func TestReplyWins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status, diag string
		cat          bounce.Category
		suppress     bool
	}{
		{"5.0.0", "550 5.1.1 User Unknown", bounce.UserUnknown, true},
		{"5.0.0", "550 No such user", bounce.UserUnknown, true},
		{"5.5.0", "554 No such domain", bounce.DomainUnknown, true},
		{"5.0.0", "554 delivery error: dd This user doesn't have a yahoo.com account (a@example.com) [0]", bounce.UserUnknown, true},
		{"5.0.0", "550 Requested action not taken: mailbox unavailable", bounce.UserUnknown, true},
		{"5.0.0", "550 The email account that you tried to reach does not exist.", bounce.UserUnknown, true},
		{"5.1.1", "550 5.7.1 IP address blacklisted", bounce.Blocked, false},
		{"5.1.1", "552 5.2.2 Over quota", bounce.MailboxFull, false},
		{"5.1.3", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", bounce.Blocked, false},
		{"5.4.4", "DNS Error: DNS type 'mx' lookup of example.com responded with code SERVFAIL", bounce.DNS, false},
		{"5.2.1", "550-5.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.", bounce.RateLimited, false},
		{"5.7.1", "550 5.7.1 Message rejected as spam by Content Filtering", bounce.SpamPolicy, false},
		{"5.0.0", "550 5.7.1 Our system has detected that this message is likely unsolicited mail", bounce.SpamPolicy, false},
		{"5.0.0", "421 4.7.0 Try again later, closing connection. (EHLO) too many connections", bounce.RateLimited, false},
		{"5.1.1", "550 5.1.1 <a@example.com>: Recipient address rejected: User unknown in virtual mailbox table", bounce.UserUnknown, true},
		{"5.1.0", "5.1.0 - Unknown address error 550-'5.7.1 <b@example.net>... Access denied' (delivery attempts: 0)", bounce.Blocked, false},
		{"5.1.3", "553 http://www.spamhaus.org/query/bl?ip=192.0.2.222", bounce.Blocked, false},
		{"5.0.0", "SMTP error from remote mail server after MAIL FROM:<s@example.org>: 550 5.1.7 No such domain example.org", bounce.Blocked, false},
		{"5.0.0", "550 Unknown user a@example.com (in reply to end of DATA command)", bounce.SpamPolicy, false},
		{"5.2.1", "550-5.2.1 The email account that you tried to reach is inactive. For more", bounce.MailboxDisabled, false},
		{"5.0.0", "an MX or SRV record indicated no SMTP service", bounce.DomainUnknown, true},
		{"5.7.27", "550 Host does not accept mail", bounce.DomainUnknown, true},
		{"5.0.0", "550 <a@example.com>: Recipient address rejected.", bounce.UserUnknown, true},
	}
	for _, tt := range tests {
		t.Run(tt.diag, func(t *testing.T) {
			t.Parallel()
			r, err := bounce.Parse(report("delivery-status", status(rcpt("a@example.com", "failed", tt.status, tt.diag))))
			if err != nil {
				t.Fatal(err)
			}
			rc := r.Recipients[0]
			if rc.Category != tt.cat || (rc.Suppress != "") != tt.suppress {
				t.Errorf("got %s, suppress %q (basis %q); want %s, suppress %v", rc.Category, rc.Suppress, rc.Basis, tt.cat, tt.suppress)
			}
			if rc.Basis == "" {
				t.Error("no basis")
			}
		})
	}
}

// TestTruncatedReturnedMessage cuts each fixture at every byte after its
// machine-readable part: the report is still read.
func TestTruncatedReturnedMessage(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"postfix-5.1.1.eml", "gmail-5.7.26.eml", "postfix-delayed-4.4.1.eml", "yahoo-arf.eml"} {
		raw := fixture(t, name)
		i := bytes.Index(raw, []byte("message/rfc822"))
		if i < 0 {
			i = bytes.Index(raw, []byte("text/rfc822-headers"))
		}
		want, err := bounce.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		for n := i; n < len(raw); n++ {
			got, err := bounce.Parse(raw[:n])
			if err != nil {
				t.Fatalf("%s cut at %d of %d: %v", name, n, len(raw), err)
			}
			if got.Kind != want.Kind || len(got.Recipients) != len(want.Recipients) || got.Recipients[0].Suppress != want.Recipients[0].Suppress {
				t.Fatalf("%s cut at %d: %+v", name, n, got)
			}
		}
	}
}

// TestPlainText reads plain-text bounces of the common MTAs from the
// corpus and checks recipient, code, reply and original Message-ID.
func TestPlainText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, email, status, diag, msgID string
		cat                              bounce.Category
	}{
		{"lhost-qmail-01.eml", "kijitora@example.ne.jp", "5.5.0", "550 Unknown user", "<000000000.9999999999999.JavaMail.postmaster@mailhub>", bounce.UserUnknown},
		{"lhost-exim-01.eml", "kijitora@example.ed.jp", "5.7.0", "Please use the smtp server of your ISP", "<E1P1ce6-000Egt-GZ@e1.example.org>", bounce.Blocked},
		{"lhost-gmail-01.eml", "userunknown@example.jp", "5.1.1", "User Unknown", "<D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com>", bounce.UserUnknown},
		{"lhost-yahoo-01.eml", "kijitora@example.org", "5.1.1", "User Unknown", "<6AE6249A-E7A8-4980-862C-F499F6B8E7C5@y.example.co.jp>", bounce.UserUnknown},
		{"lhost-exchange2003-01.eml", "kijitora@example.jp", "5.0.0", "recipient name is not recognized", "", bounce.UserUnknown},
		{"lhost-v5sendmail-01.eml", "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join("testdata", "corpus", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			r, err := bounce.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if tt.email == "" { // any plain-text bounce: a recipient with a category
				if len(r.Recipients) == 0 || r.Recipients[0].Category == "" {
					t.Fatalf("%+v", r)
				}
				return
			}
			rc := r.Recipients[0]
			if rc.Email != tt.email || rc.Status != tt.status || !strings.Contains(rc.Diagnostic+" "+rc.Basis, tt.diag) || rc.Category != tt.cat {
				t.Errorf("recipient %+v", rc)
			}
			if tt.msgID != "" && r.OriginalMessageID != tt.msgID {
				t.Errorf("OriginalMessageID %q, want %q", r.OriginalMessageID, tt.msgID)
			}
		})
	}
}

// TestHiddenComplainant: a complaint without Original-Rcpt-To nor an
// address in the returned To still yields a recipient, found later
// through the Message-ID.
func TestHiddenComplainant(t *testing.T) {
	t.Parallel()
	r, err := bounce.Parse(report("feedback-report", human, feedback("Feedback-Type: abuse\r\nUser-Agent: ISP/1.0\r\nVersion: 1\r\n"),
		"Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: <s1.c9.j2@aftersale.example>\r\nSubject: Hi\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Recipients) != 1 || r.Recipients[0].Email != "" || r.Recipients[0].Suppress != "complaint" || r.OriginalMessageID != "<s1.c9.j2@aftersale.example>" {
		t.Fatalf("%+v", r)
	}
}

func plainSeeds(f *testing.F) {
	for _, name := range []string{"lhost-qmail-01.eml", "lhost-exim-01.eml", "lhost-gmail-01.eml", "lhost-yahoo-01.eml",
		"lhost-exchange2003-01.eml", "lhost-sendmail-14.eml", "lhost-notes-03.eml", "lhost-v5sendmail-01.eml", "lhost-zoho-01.eml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "corpus", name))
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("From: MAILER-DAEMON@x.example\r\nSubject: failure notice\r\n\r\n<a@example.com>:\r\n550 5.1.1 no such user\r\n\r\n--- Below this line is a copy of the message.\r\n\r\nMessage-ID: <m@x>\r\n"))
	f.Add([]byte("From: postmaster@x.example\r\nSubject: Undeliverable\r\nContent-Type: text/html\r\n\r\n<p>a@example.com</p><p>550 5.4.1 Recipient address rejected: Access denied</p>"))
}

// FuzzParsePlain feeds plain-text bounces (and their mutations) to Parse.
func FuzzParsePlain(f *testing.F) {
	plainSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := bounce.Parse(raw)
		if err != nil {
			if r != nil || !errors.Is(err, bounce.ErrNotAReport) && !errors.Is(err, bounce.ErrMalformed) || strings.Contains(err.Error(), "@") {
				t.Fatalf("%+v, %v", r, err)
			}
			return
		}
		for _, rc := range r.Recipients {
			if rc.Category == "" || rc.Suppress != "" && !rc.Category.Hard() && rc.Category != bounce.Complaint {
				t.Fatalf("recipient %+v", rc)
			}
		}
	})
}

// FuzzCorpusTruncated cuts real reports anywhere: Parse never fails other
// than with its two errors.
func FuzzCorpusTruncated(f *testing.F) {
	for _, name := range []string{"rfc3464-01.eml", "lhost-postfix-01.eml", "arf-01.eml", "rhost-google-01.eml"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "corpus", name)); err == nil {
			f.Add(b, uint16(len(b)/2))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte, cut uint16) {
		if int(cut) < len(raw) {
			raw = raw[:cut]
		}
		if r, err := bounce.Parse(raw); err != nil && (r != nil || !errors.Is(err, bounce.ErrNotAReport) && !errors.Is(err, bounce.ErrMalformed)) {
			t.Fatalf("%+v, %v", r, err)
		}
	})
}
