package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestCSVCell(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"=1+1":                       "'=1+1",
		"+1+cmd|' /C calc'!A0":       "'+1+cmd|' /C calc'!A0",
		"-2+3":                       "'-2+3",
		"@SUM(A1:A2)":                "'@SUM(A1:A2)",
		"\t=1":                       "'\t=1",
		"\r=1":                       "'\r=1",
		"  =1":                       "'  =1",
		"-":                          "'-",
		"-12.50":                     "-12.50",
		"+3":                         "+3",
		"-0.125":                     "-0.125",
		"1e-3":                       "1e-3",
		"-1E5":                       "-1E5",
		"12.50":                      "12.50",
		"":                           "",
		"It doesn't fit":             "It doesn't fit",
		"a=b":                        "a=b",
		"'=already":                  "'=already",
		"-Inf":                       "'-Inf",
		"-0x1p3":                     "'-0x1p3",
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCSVWriter: every cell of every row, written with Write or WriteAll,
// is escaped.
func TestCSVWriter(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := NewCSVWriter(&b)
	if err := w.Write([]string{"=1", "-1.50"}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteAll([][]string{{"@x", "2"}}); err != nil {
		t.Fatal(err)
	}
	if want := "'=1,-1.50\n'@x,2\n"; b.String() != want {
		t.Errorf("wrote %q, want %q", b.String(), want)
	}
}

// FuzzCSVCell: an escaped cell, written and read back as CSV, never
// starts (after spaces) with a formula character unless it is a plain
// number, and is the cell itself or the cell after a quote.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=1+1", "-12.50", "@A1", "\tx", " +x", "plain", "", "'", "-", "1e5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CSVCell(s)
		if got != s && got != "'"+s {
			t.Fatalf("CSVCell(%q) = %q", s, got)
		}
		var b bytes.Buffer
		w := NewCSVWriter(&b)
		if err := w.Write([]string{s}); err != nil {
			return // not writable as CSV at all (csv.Writer refuses some bytes)
		}
		w.Flush()
		row, err := csv.NewReader(&b).Read()
		if err != nil || len(row) != 1 {
			return // csv.Reader normalises \r\n inside quotes; the cell was escaped already
		}
		c := strings.TrimLeft(row[0], " ")
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) && !numberRE.MatchString(row[0]) {
			t.Fatalf("cell %q reads back as %q, a formula", s, row[0])
		}
	})
}
