package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExplainReport(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"postfix-5.1.1.eml", []string{"kind: bounce", "recipient 1: nobody@example.com", "category: user_unknown",
			"decision: suppress (bounce 5.1.1)", "rests on: ", "line "}},
		{"gmail-5.7.26.eml", []string{"category: blocked", "decision: do not suppress"}},
		{"corpus/lhost-qmail-01.eml", []string{"recipient 1: kijitora@example.ne.jp", "category: user_unknown", "line 18: ", "Unknown user"}},
		{"yahoo-arf.eml", []string{"kind: complaint (feedback type abuse)", "category: complaint", "decision: suppress (complaint)"}},
		{"out-of-office.eml", []string{"not acted on: "}},
	}
	for _, tt := range tests {
		raw, err := os.ReadFile(filepath.Join("..", "..", "bounce", "testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := explainReport(&b, raw); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: %q not in\n%s", tt.file, w, b.String())
			}
		}
	}
}

func FuzzRestingLine(f *testing.F) {
	f.Add([]byte("a\n550 5.1.1 user unknown\n"), "550 5.1.1 <address> user unknown")
	f.Add([]byte(""), "<url>")
	f.Fuzz(func(t *testing.T, raw []byte, basis string) {
		n, line := restingLine(raw, basis)
		if n < 0 || n == 0 && line != "" {
			t.Fatalf("%d %q", n, line)
		}
	})
}
