package bounce_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/bounce"
)

// corpusCase is one recipient of a corpus mail and the corpus's own
// classification of it (testdata/corpus/README.md).
type corpusCase struct {
	file         string
	index        int // 1-based, in the order the report lists recipients
	reason       string
	hard         bool
	feedbackType string
}

// wantSuppress is the decision the corpus's classification implies: a hard
// bounce (the address or domain does not exist) or a spam complaint.
func (c corpusCase) wantSuppress() bool {
	if c.reason == "feedback" {
		switch c.feedbackType {
		case "abuse", "fraud", "virus", "other":
			return true
		}
		return false
	}
	return c.hard
}

// ambiguous are the corpus reasons that do not settle the decision:
// undefined and onhold (the corpus could not tell), and filtered (the
// receiver says "user unknown" but the corpus judges it a recipient-side
// filter because it answered the message rather than RCPT TO).
var ambiguous = map[string]bool{"undefined": true, "onhold": true, "filtered": true}

// corpusCategory maps the corpus's reasons onto the categories.
var corpusCategory = map[string]bounce.Category{
	"userunknown": bounce.UserUnknown, "hasmoved": bounce.UserUnknown, "hostunknown": bounce.DomainUnknown,
	"mailboxfull": bounce.MailboxFull, "suspend": bounce.MailboxDisabled,
	"blocked": bounce.Blocked, "badreputation": bounce.Blocked, "requireptr": bounce.Blocked, "rejected": bounce.Blocked,
	"norelaying": bounce.Blocked, "authfailure": bounce.Blocked, "failedstarttls": bounce.Blocked,
	"spamdetected": bounce.SpamPolicy, "policyviolation": bounce.SpamPolicy, "virusdetected": bounce.SpamPolicy,
	"contenterror": bounce.SpamPolicy, "securityerror": bounce.SpamPolicy,
	"speeding": bounce.RateLimited, "toomanyconn": bounce.RateLimited,
	"expired": bounce.Temporary, "networkerror": bounce.DNS, "feedback": bounce.Complaint,
}

func readCorpus(t testing.TB) []corpusCase {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "corpus", "expected.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 6 {
			t.Fatalf("expected.tsv: %q", line)
		}
		i, err := strconv.Atoi(c[1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, corpusCase{file: c[0], index: i, reason: c[3], hard: c[4] == "true", feedbackType: c[5]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCorpusAgreement parses real bounce mails of many MTAs and compares
// each recipient's suppress decision with the corpus's classification.
// Run with -v to see the figures and every mismatch:
//
//	go test ./bounce -run TestCorpusAgreement -v
func TestCorpusAgreement(t *testing.T) {
	t.Parallel()
	cases := readCorpus(t)
	reports := map[string]*bounce.Report{}
	var n, agree, all, allAgree, cn, cagree int
	for _, c := range cases {
		r, ok := reports[c.file]
		if !ok {
			raw, err := os.ReadFile(filepath.Join("testdata", "corpus", c.file))
			if err != nil {
				t.Fatal(err)
			}
			r, _ = bounce.Parse(raw) // an error decides "do not suppress"
			reports[c.file] = r
		}
		var got bounce.Recipient
		if r != nil && c.index <= len(r.Recipients) {
			got = r.Recipients[c.index-1]
		}
		same := (got.Suppress != "") == c.wantSuppress()
		all++
		if same {
			allAgree++
		}
		if want, ok := corpusCategory[c.reason]; ok {
			cn++
			if got.Category == want {
				cagree++
			}
		}
		if ambiguous[c.reason] {
			continue
		}
		n++
		if same {
			agree++
		} else {
			t.Logf("mismatch %s #%d: corpus %s (suppress %v), got suppress %v, %s, %q",
				c.file, c.index, c.reason, c.wantSuppress(), got.Suppress != "", got.Category, got.Basis)
		}
	}
	rate := float64(agree) / float64(n)
	t.Logf("suppress agreement on unambiguous cases: %d/%d = %.1f%% (all cases %d/%d = %.1f%%); category agreement %d/%d = %.1f%%",
		agree, n, 100*rate, allAgree, all, 100*float64(allAgree)/float64(all), cagree, cn, 100*float64(cagree)/float64(cn))
	if rate < 0.95 {
		t.Errorf("suppress agreement %.1f%% is below 95%%", 100*rate)
	}
	if len(reports) < 150 {
		t.Errorf("the corpus has %d mails; want at least 150", len(reports))
	}
}
