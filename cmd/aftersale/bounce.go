package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aftersale/aftersale/bounce"
)

// BounceCmd works with bounce and complaint reports.
type BounceCmd struct {
	Explain BounceExplainCmd `cmd:"" help:"Show how a bounce or complaint mail is read: kind, recipients, whether each is suppressed, the reason category and the line the decision rests on."`
}

// BounceExplainCmd explains the decision on one report.
type BounceExplainCmd struct {
	File string `arg:"" type:"existingfile" help:"The report as received: a .eml file (raw RFC 5322 message), or - for standard input."`
}

// Run prints the decision.
func (c *BounceExplainCmd) Run() error {
	var raw []byte
	var err error
	if c.File == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(c.File)
	}
	if err != nil {
		return err
	}
	return explainReport(os.Stdout, raw)
}

// explainReport writes what bounce.Parse decides about raw, and why.
func explainReport(w io.Writer, raw []byte) error {
	r, err := bounce.Parse(raw)
	if err != nil {
		fmt.Fprintf(w, "not acted on: %v\n", err)
		return nil
	}
	fmt.Fprintf(w, "kind: %s", r.Kind)
	if r.FeedbackType != "" {
		fmt.Fprintf(w, " (feedback type %s)", r.FeedbackType)
	}
	fmt.Fprintln(w)
	if r.OriginalMessageID != "" {
		fmt.Fprintf(w, "original message: %s\n", r.OriginalMessageID)
	}
	for i, rc := range r.Recipients {
		who := rc.Email
		if who == "" {
			who = "(hidden by the provider: found through the original Message-ID)"
		}
		fmt.Fprintf(w, "\nrecipient %d: %s\n", i+1, who)
		if rc.Status != "" || rc.Action != "" {
			fmt.Fprintf(w, "  action: %s, status %s, permanent %v\n", rc.Action, rc.Status, rc.Permanent)
		}
		fmt.Fprintf(w, "  category: %s\n", rc.Category)
		if rc.Suppress != "" {
			fmt.Fprintf(w, "  decision: suppress (%s)\n", rc.Suppress)
		} else {
			fmt.Fprintf(w, "  decision: do not suppress\n")
		}
		if rc.Diagnostic != "" {
			fmt.Fprintf(w, "  reply: %s\n", rc.Diagnostic)
		}
		fmt.Fprintf(w, "  rests on: %s\n", rc.Basis)
		if n, line := restingLine(raw, rc.Basis); n > 0 {
			fmt.Fprintf(w, "  line %d: %s\n", n, line)
		}
	}
	return nil
}

// restingLine finds the line of raw that the basis was read from: the
// line sharing the most three-word stretches with the basis (placeholders
// such as <address> left out). 0 when none is found.
func restingLine(raw []byte, basis string) (int, string) {
	basis = strings.TrimPrefix(basis, "Feedback-Type (a spam complaint); ")
	var windows []string
	for _, f := range strings.FieldsFunc(basis, func(r rune) bool { return r == '<' || r == '>' }) {
		if f == "address" || f == "url" {
			continue
		}
		words := strings.Fields(strings.ToLower(f))
		for i := 0; i+3 <= len(words) || i == 0 && len(words) > 0; i++ {
			end := min(i+3, len(words))
			if w := strings.Join(words[i:end], " "); len(w) >= 6 {
				windows = append(windows, w)
			}
		}
	}
	best, bestLine, bestHits := 0, "", 0
	for i, line := range bytes.Split(raw, []byte("\n")) {
		l := strings.ToLower(strings.Join(strings.Fields(string(line)), " "))
		hits := 0
		for _, w := range windows {
			if strings.Contains(l, w) {
				hits++
			}
		}
		if hits > bestHits {
			best, bestLine, bestHits = i+1, strings.TrimSpace(string(line)), hits
		}
	}
	return best, bestLine
}
