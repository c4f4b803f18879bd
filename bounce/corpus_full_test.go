//go:build corpus

package bounce_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/bounce"
)

// This file is built only with -tags corpus: it measures the agreement on
// the whole public Sisimai collection, which is not in the repository
// (testdata/corpus/README.md says how to get it):
//
//	AFTERSALE_BOUNCE_CORPUS=/tmp/sisimai go test -tags corpus ./bounce -run TestFullCorpus -v
//
// The directory holds clones of set-of-emails and go-sisimai.

// factRow is one expectation row of go-sisimai's fact/*_test.go tables:
// {"01", 1, "5.1.1", "550", "userunknown", true, ""}.
var factRow = regexp.MustCompile(`\{"([^"]+)",\s*(\d+),\s*"([^"]*)",\s*"([^"]*)",\s*"([^"]*)",\s*(true|false),\s*"([^"]*)"\}`)

// publicTable is a table of public expectations and the engine it is of;
// the mails are maildir/bsd/PREFIX-ENGINE-LABEL.eml.
var publicTable = regexp.MustCompile(`(?s)publiclist := (.*?)EngineTest\(t, "([^"]+)", publiclist`)

// fullCorpus reads the public expectations of the full collection.
func fullCorpus(t *testing.T, dir string) []corpusCase {
	t.Helper()
	facts, err := os.ReadDir(filepath.Join(dir, "go-sisimai", "fact"))
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusCase
	for _, f := range facts {
		if !strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, "go-sisimai", "fact", f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		prefix := ""
		switch {
		case strings.Contains(string(b), "func TestLhost"):
			prefix = "lhost-"
		case strings.Contains(string(b), "func TestRhost"):
			prefix = "rhost-"
		}
		m := publicTable.FindStringSubmatch(string(b))
		if m == nil {
			continue
		}
		seen := map[string]bool{} // a row listed twice
		count := map[string]int{} // rows per mail: a repeated index is the next recipient
		for _, r := range factRow.FindAllStringSubmatch(m[1], -1) {
			if seen[r[0]] {
				continue
			}
			seen[r[0]] = true
			count[r[1]]++
			i, _ := strconv.Atoi(r[2])
			if i < count[r[1]] {
				i = count[r[1]]
			}
			c := corpusCase{file: prefix + strings.ToLower(m[2]) + "-" + r[1] + ".eml", index: i, reason: r[5], hard: r[6] == "true"}
			if c.reason == "feedback" {
				c.feedbackType = r[7]
			}
			out = append(out, c)
		}
	}
	return out
}

// TestFullCorpus reports the agreement on every mail of the collection's
// maildir/bsd (or AFTERSALE_BOUNCE_MAILDIR) and checks that its maildir/not suppresses no one.
func TestFullCorpus(t *testing.T) {
	dir := os.Getenv("AFTERSALE_BOUNCE_CORPUS")
	if dir == "" {
		t.Fatal("set AFTERSALE_BOUNCE_CORPUS to a directory with clones of sisimai/set-of-emails and sisimai/go-sisimai")
	}
	maildir := os.Getenv("AFTERSALE_BOUNCE_MAILDIR") // dos: the same mails with CRLF line ends
	if maildir == "" {
		maildir = "bsd"
	}
	mails := filepath.Join(dir, "set-of-emails", "maildir", maildir)
	reports := map[string]*bounce.Report{}
	errs := map[string]error{}
	var n, agree, cn, cagree int
	var misses []string
	for _, c := range fullCorpus(t, dir) {
		r, ok := reports[c.file]
		if !ok {
			raw, err := os.ReadFile(filepath.Join(mails, c.file))
			if err != nil {
				continue // not in this maildir
			}
			r, errs[c.file] = bounce.Parse(raw)
			reports[c.file] = r
		}
		var got bounce.Recipient
		if r != nil && c.index <= len(r.Recipients) {
			got = r.Recipients[c.index-1]
		}
		if want, ok := corpusCategory[c.reason]; ok {
			cn++
			if got.Category == want {
				cagree++
			} else if os.Getenv("CAT") != "" {
				t.Logf("category %s #%d: corpus %s, got %s, %.160q", c.file, c.index, c.reason, got.Category, got.Basis)
			}
		}
		if ambiguous[c.reason] {
			continue
		}
		n++
		if (got.Suppress != "") == c.wantSuppress() {
			agree++
			continue
		}
		misses = append(misses, c.file+" #"+strconv.Itoa(c.index)+": corpus "+c.reason+" (suppress "+strconv.FormatBool(c.wantSuppress())+
			"), got "+string(got.Category)+" "+strconv.Quote(trunc(got.Basis, 160))+errText(errs[c.file]))
	}
	sort.Strings(misses)
	for _, m := range misses {
		t.Log("mismatch " + m)
	}
	t.Logf("full corpus (maildir/%s): %d mails; suppress agreement on unambiguous cases %d/%d = %.1f%%; category agreement %d/%d = %.1f%%",
		maildir, len(reports), agree, n, 100*float64(agree)/float64(n), cagree, cn, 100*float64(cagree)/float64(cn))

	nots, _ := filepath.Glob(filepath.Join(dir, "set-of-emails", "maildir", "not", "*.eml"))
	for _, p := range nots {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		r, err := bounce.Parse(raw)
		if err != nil {
			continue
		}
		for _, rc := range r.Recipients {
			if rc.Suppress != "" {
				t.Errorf("%s is no bounce but suppresses %s (%s)", filepath.Base(p), rc.Email, rc.Basis)
			}
		}
	}
	t.Logf("maildir/not: %d mails checked", len(nots))
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}
