package bounce_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/bounce"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want *bounce.Report
		err  error
	}{
		{"postfix-5.1.1.eml", &bounce.Report{
			Kind:              bounce.KindBounce,
			OriginalMessageID: "<s1-day1.c42.j7@aftersale.brightpath.example>",
			Recipients: []bounce.Recipient{{
				Email:      "nobody@example.com",
				Status:     "5.1.1",
				Action:     "failed",
				Diagnostic: "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table",
				Permanent:  true,
				Suppress:   "bounce 5.1.1",
				Category:   bounce.UserUnknown,
			}},
		}, nil},
		{"gmail-5.7.26.eml", &bounce.Report{
			Kind:              bounce.KindBounce,
			OriginalMessageID: "<s3-day3.c42.j7@aftersale.brightpath.example>",
			Recipients: []bounce.Recipient{{
				Email:  "ana.lima@gmail.com",
				Status: "5.7.26",
				Action: "failed",
				Diagnostic: "550-5.7.26 This mail has been blocked because the sender is unauthenticated. " +
					"Gmail requires all senders to authenticate with either SPF or DKIM. 550-5.7.26 " +
					"550-5.7.26 Authentication results: 550-5.7.26 DKIM = did not pass " +
					"550-5.7.26 SPF [brightpath.example] with ip: [192.0.2.10] = did not pass 550-5.7.26 " +
					"550-5.7.26 For instructions on setting up authentication, go to " +
					"550 5.7.26 https://support.google.com/mail/answer/81126#authentication d2e1a72fcca58-7a0f0c3a1b5si1234567b3a.123 - gsmtp",
				Permanent: true, // a hard bounce, but about the sender's DMARC: no suppression
				Category:  bounce.Blocked,
			}},
		}, nil},
		{"postfix-delayed-4.4.1.eml", &bounce.Report{
			Kind:              bounce.KindDelay,
			OriginalMessageID: "<s0-welcome.c43.j7@aftersale.brightpath.example>",
			Recipients: []bounce.Recipient{{
				Email:      "sam@slowmail.example",
				Status:     "4.4.1",
				Action:     "delayed",
				Diagnostic: "connect to mx.slowmail.example[203.0.113.5]:25: Connection timed out",
				Category:   bounce.DNS,
			}},
		}, nil},
		{"yahoo-arf.eml", &bounce.Report{
			Kind:              bounce.KindComplaint,
			FeedbackType:      "abuse",
			OriginalMessageID: "<s1-day1.c44.j7@aftersale.brightpath.example>",
			Recipients:        []bounce.Recipient{{Email: "ana.lima@yahoo.com", Permanent: true, Suppress: "complaint", Category: bounce.Complaint}},
		}, nil},
		{"out-of-office.eml", nil, bounce.ErrNotAReport},
	}
	for _, tt := range tests {
		for _, eol := range []string{"LF", "CRLF"} {
			t.Run(tt.file+"/"+eol, func(t *testing.T) {
				t.Parallel()
				raw := fixture(t, tt.file)
				if eol == "CRLF" {
					raw = bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))
				}
				got, err := bounce.Parse(raw)
				check(t, got, err, tt.want, tt.err)
			})
		}
	}
}

func check(t *testing.T, got *bounce.Report, err error, want *bounce.Report, wantErr error) {
	t.Helper()
	if wantErr != nil {
		if !errors.Is(err, wantErr) || got != nil {
			t.Fatalf("Parse = %+v, %v; want %v", got, err, wantErr)
		}
		if strings.Contains(err.Error(), "@") {
			t.Errorf("the error shows an address: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for i := range got.Recipients {
		if got.Recipients[i].Basis == "" {
			t.Errorf("recipient %d: no basis", i)
		}
		got.Recipients[i].Basis = "" // TestBasis checks it
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", got, want)
	}
}

// report builds a multipart/report of reportType around the parts.
func report(reportType string, parts ...string) []byte {
	ct := "multipart/report; boundary=BOUNDARY"
	if reportType != "" {
		ct += "; report-type=" + reportType
	}
	var b strings.Builder
	b.WriteString("From: MAILER-DAEMON@mail.brightpath.example\r\nTo: bounces@brightpath.example\r\n" +
		"Subject: report\r\nMIME-Version: 1.0\r\nContent-Type: " + ct + "\r\n\r\npreamble\r\n")
	for _, p := range parts {
		b.WriteString("--BOUNDARY\r\n" + p + "\r\n")
	}
	b.WriteString("--BOUNDARY--\r\n")
	return []byte(b.String())
}

const (
	human    = "Content-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
	returned = "Content-Type: text/rfc822-headers\r\n\r\nFrom: hello@brightpath.example\r\n" +
		"To: Ana <ana@example.com>\r\nMessage-ID: <m1@aftersale.example>\r\nSubject: Hi\r\n"
	perMessage = "Reporting-MTA: dns; mail.brightpath.example\r\n\r\n"
)

func status(groups ...string) string {
	return "Content-Type: message/delivery-status\r\n\r\n" + perMessage + strings.Join(groups, "\r\n")
}

func feedback(fields string) string {
	return "Content-Type: message/feedback-report\r\n\r\n" + fields
}

func rcpt(email, action, status, diag string) string {
	s := "Final-Recipient: rfc822; " + email + "\r\nAction: " + action + "\r\n"
	if status != "" {
		s += "Status: " + status + "\r\n"
	}
	if diag != "" {
		s += "Diagnostic-Code: smtp; " + diag + "\r\n"
	}
	return s
}

func TestParseCases(t *testing.T) {
	t.Parallel()
	bounced := func(email, st, diag string, permanent bool, suppress string, cat bounce.Category) bounce.Recipient {
		return bounce.Recipient{Email: email, Status: st, Action: "failed", Diagnostic: diag, Permanent: permanent, Suppress: suppress, Category: cat}
	}
	tests := []struct {
		name string
		raw  []byte
		want *bounce.Report
		err  error
	}{
		{"failed and delayed recipients", report("delivery-status", human,
			status(rcpt("a@example.com", "failed", "5.1.1", "550 5.1.1 no such user"),
				rcpt("b@example.net", "delayed", "4.2.2", "452 4.2.2 mailbox full"),
				rcpt("c@example.org", "delivered", "2.0.0", "")), returned),
			&bounce.Report{Kind: bounce.KindBounce, OriginalMessageID: "<m1@aftersale.example>", Recipients: []bounce.Recipient{
				bounced("a@example.com", "5.1.1", "550 5.1.1 no such user", true, "bounce 5.1.1", bounce.UserUnknown),
				{Email: "b@example.net", Status: "4.2.2", Action: "delayed", Diagnostic: "452 4.2.2 mailbox full", Category: bounce.MailboxFull},
			}}, nil},
		{"the status from the diagnostic", report("delivery-status",
			status(rcpt("a@example.com", "failed", "", "550 5.1.2 Host or domain name not found"))),
			&bounce.Report{Kind: bounce.KindBounce, Recipients: []bounce.Recipient{
				bounced("a@example.com", "5.1.2", "550 5.1.2 Host or domain name not found", true, "bounce 5.1.2", bounce.DomainUnknown)}}, nil},
		{"the status from a reply code alone", report("delivery-status",
			status(rcpt("a@example.com", "failed", "", "554 rejected"))),
			&bounce.Report{Kind: bounce.KindBounce, Recipients: []bounce.Recipient{
				bounced("a@example.com", "5.0.0", "554 rejected", true, "", bounce.OtherPermanent)}}, nil},
		{"failed after retrying is not permanent", report("delivery-status",
			status(rcpt("a@example.com", "failed", "4.4.7 (delivery time expired)", ""))),
			&bounce.Report{Kind: bounce.KindBounce, Recipients: []bounce.Recipient{
				bounced("a@example.com", "4.4.7", "", false, "", bounce.Temporary)}}, nil},
		{"policy and full mailboxes do not suppress", report("delivery-status",
			status(rcpt("a@example.com", "failed", "5.7.1", ""), rcpt("b@example.com", "failed", "5.2.2", ""),
				rcpt("c@example.com", "failed", "5.2.1", ""), rcpt("d@example.com", "failed", "5.4.4", ""),
				rcpt("e@example.com", "failed", "5.1.10", ""))),
			&bounce.Report{Kind: bounce.KindBounce, Recipients: []bounce.Recipient{
				bounced("a@example.com", "5.7.1", "", true, "", bounce.Blocked),
				bounced("b@example.com", "5.2.2", "", true, "", bounce.MailboxFull),
				bounced("c@example.com", "5.2.1", "", true, "", bounce.MailboxDisabled),
				bounced("d@example.com", "5.4.4", "", true, "", bounce.DNS),
				bounced("e@example.com", "5.1.10", "", true, "bounce 5.1.10", bounce.DomainUnknown),
			}}, nil},
		{"Original-Recipient is the address we sent to", report("delivery-status", status(
			"Original-Recipient: rfc822;ana@example.com\r\nFinal-Recipient: RFC822; <ana.lima@forward.example>\r\nAction: failed\r\nStatus: 5.1.1\r\n")),
			&bounce.Report{Kind: bounce.KindBounce, Recipients: []bounce.Recipient{
				bounced("ana@example.com", "5.1.1", "", true, "bounce 5.1.1", bounce.UserUnknown)}}, nil},
		{"no report-type", report("", human, status(rcpt("a@example.com", "failed", "5.1.1", ""))),
			&bounce.Report{Kind: bounce.KindBounce, Recipients: []bounce.Recipient{
				bounced("a@example.com", "5.1.1", "", true, "bounce 5.1.1", bounce.UserUnknown)}}, nil},
		{"a base64 delivery-status", report("delivery-status",
			"Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n"+
				"UmVwb3J0aW5nLU1UQTogZG5zOyBteAoKRmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGFAZXhhbXBs\r\n"+
				"ZS5jb20KQWN0aW9uOiBmYWlsZWQKU3RhdHVzOiA1LjEuMQo=\r\n"),
			&bounce.Report{Kind: bounce.KindBounce, Recipients: []bounce.Recipient{
				bounced("a@example.com", "5.1.1", "", true, "bounce 5.1.1", bounce.UserUnknown)}}, nil},
		{"inside a multipart/mixed", []byte("Content-Type: multipart/mixed; boundary=OUTER\r\n\r\n--OUTER\r\n" +
			"Content-Type: text/plain\r\n\r\nscanned\r\n--OUTER\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=BOUNDARY\r\n\r\n" +
			"--BOUNDARY\r\n" + status(rcpt("a@example.com", "failed", "5.1.1", "")) + "\r\n--BOUNDARY--\r\n--OUTER--\r\n"),
			&bounce.Report{Kind: bounce.KindBounce, Recipients: []bounce.Recipient{
				bounced("a@example.com", "5.1.1", "", true, "bounce 5.1.1", bounce.UserUnknown)}}, nil},
		{"X-Original-Message-ID without the returned header", report("delivery-status",
			"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; googlemail.com\r\nX-Original-Message-ID: m2@aftersale.example\r\n\r\n"+
				rcpt("a@example.com", "delayed", "4.7.0", "")),
			&bounce.Report{Kind: bounce.KindDelay, OriginalMessageID: "<m2@aftersale.example>", Recipients: []bounce.Recipient{
				{Email: "a@example.com", Status: "4.7.0", Action: "delayed", Category: bounce.Temporary}}}, nil},
		{"a success notification", report("delivery-status", status(rcpt("a@example.com", "delivered", "2.0.0", ""))), nil, bounce.ErrNotAReport},
		{"a read receipt", report("disposition-notification", human,
			"Content-Type: message/disposition-notification\r\n\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n"), nil, bounce.ErrNotAReport},
		{"a DMARC failure report", report("feedback-report", human, feedback("Feedback-Type: auth-failure\r\nVersion: 1\r\n"), returned), nil, bounce.ErrNotAReport},
		{"not spam", report("feedback-report", human, feedback("Feedback-Type: not-spam\r\n"), returned), nil, bounce.ErrNotAReport},
		{"no delivery-status part: the notice for people is read", report("delivery-status", human, returned),
			&bounce.Report{Kind: bounce.KindBounce, OriginalMessageID: "<m1@aftersale.example>", Recipients: []bounce.Recipient{
				bounced("ana@example.com", "5.0.0", "", true, "", bounce.OtherPermanent)}}, nil},
		{"no delivery-status part nor recipient", report("delivery-status", human), nil, bounce.ErrMalformed},
		{"no recipient fields", report("delivery-status", "Content-Type: message/delivery-status\r\n\r\n\r\n"), nil, bounce.ErrMalformed},
		{"a complaint without Original-Rcpt-To", report("feedback-report", human,
			feedback("Feedback-Type: Abuse\r\nUser-Agent: SomeISP/1.0\r\nVersion: 1\r\n"), returned),
			&bounce.Report{Kind: bounce.KindComplaint, FeedbackType: "abuse", OriginalMessageID: "<m1@aftersale.example>",
				Recipients: []bounce.Recipient{{Email: "ana@example.com", Permanent: true, Suppress: "complaint", Category: bounce.Complaint}}}, nil},
		{"a complaint with the recipient redacted", report("feedback-report", human,
			feedback("Feedback-Type: abuse\r\nOriginal-Rcpt-To: redacted\r\n"),
			"Content-Type: message/rfc822\r\n\r\nMessage-ID: <m3@aftersale.example>\r\nTo: redacted\r\n\r\nbody\r\n"),
			&bounce.Report{Kind: bounce.KindComplaint, FeedbackType: "abuse", OriginalMessageID: "<m3@aftersale.example>",
				Recipients: []bounce.Recipient{{Permanent: true, Suppress: "complaint", Category: bounce.Complaint}}}, nil},
		{"several Original-Rcpt-To", report("feedback-report",
			feedback("Feedback-Type: fraud\r\nOriginal-Rcpt-To: <a@example.com>\r\nOriginal-Rcpt-To: b@example.com\r\nOriginal-Rcpt-To: A@example.com\r\n")),
			&bounce.Report{Kind: bounce.KindComplaint, FeedbackType: "fraud", Recipients: []bounce.Recipient{
				{Email: "a@example.com", Permanent: true, Suppress: "complaint", Category: bounce.Complaint},
				{Email: "b@example.com", Permanent: true, Suppress: "complaint", Category: bounce.Complaint}}}, nil},
		{"a complaint without a type", report("feedback-report", feedback("Version: 1\r\n"), returned), nil, bounce.ErrMalformed},
		{"a complaint about nothing", report("feedback-report", feedback("Feedback-Type: abuse\r\n")), nil, bounce.ErrMalformed},
		{"plain text", []byte("From: ana@example.com\r\nSubject: thanks!\r\n\r\nLoved it.\r\n"), nil, bounce.ErrNotAReport},
		{"not mail", []byte("\x00\x01 binary junk"), nil, bounce.ErrNotAReport},
		{"empty", nil, nil, bounce.ErrNotAReport},
		{"a multipart without a boundary", []byte("Content-Type: multipart/report; report-type=delivery-status\r\n\r\nx\r\n"), nil, bounce.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := bounce.Parse(tt.raw)
			check(t, got, err, tt.want, tt.err)
		})
	}
}

func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".eml") {
			f.Add(fixture(f, e.Name()))
		}
	}
	f.Add(report("delivery-status", status(rcpt("a@example.com", "failed", "", "550 x"))))
	f.Add(report("feedback-report", feedback("Feedback-Type: abuse\r\n"), returned))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := bounce.Parse(raw)
		if err != nil {
			if r != nil {
				t.Fatalf("a report and an error: %+v, %v", r, err)
			}
			if !errors.Is(err, bounce.ErrNotAReport) && !errors.Is(err, bounce.ErrMalformed) {
				t.Fatalf("an error of neither kind: %v", err)
			}
			if strings.Contains(err.Error(), "@") {
				t.Fatalf("the error shows input: %v", err)
			}
			return
		}
		switch r.Kind {
		case bounce.KindBounce, bounce.KindDelay:
			if len(r.Recipients) == 0 {
				t.Fatalf("a %s without recipients", r.Kind)
			}
		case bounce.KindComplaint:
			if len(r.Recipients) == 0 && r.OriginalMessageID == "" {
				t.Fatal("a complaint about nothing")
			}
		default:
			t.Fatalf("kind %q", r.Kind)
		}
		for _, rc := range r.Recipients {
			if rc.Email == "" && r.Kind != bounce.KindComplaint || (rc.Suppress != "" && !rc.Permanent) || rc.Category == "" {
				t.Fatalf("recipient %+v", rc)
			}
		}
	})
}
