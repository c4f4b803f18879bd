package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadCodes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "codes.csv")
	os.WriteFile(path, []byte("Code,Value\nSPRING-1,10\n# a comment\nspring-1,10\n\nSPRING-2\n"), 0o600)
	codes, dups, err := readCodes(path)
	if err != nil || !slices.Equal(codes, []string{"SPRING-1", "SPRING-2"}) || dups != 1 {
		t.Errorf("readCodes = %q, %d dups, %v", codes, dups, err)
	}
	os.WriteFile(path, []byte("GOOD\nTWO WORDS\n"), 0o600)
	if _, _, err := readCodes(path); err == nil || !strings.Contains(err.Error(), "codes.csv:2") {
		t.Errorf("a code with a space: %v", err)
	}
}

func FuzzReadCodes(f *testing.F) {
	f.Add([]byte("code\nA-1\nb-2,x\n\"C 3\"\n"))
	f.Add([]byte("\"unterminated\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "codes.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		codes, _, err := readCodes(path)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, c := range codes {
			k := strings.ToUpper(c)
			if c == "" || len(c) > 100 || strings.ContainsAny(c, " \t\r\n") || seen[k] {
				t.Fatalf("code %q in %q", c, codes)
			}
			seen[k] = true
		}
	})
}
