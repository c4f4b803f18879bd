package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestStopQuiet: River's errors about its own cancelled context are
// lowered to info (so not logged at all through the warnings-only
// fallback); any other error stays an error.
func TestStopQuiet(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	text := slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelInfo})
	fallback := slog.New(text)
	for _, l := range []*slog.Logger{quiet(nil, fallback), quiet(fallback, nil)} {
		b.Reset()
		l.Error("maintenance.PeriodicJobEnqueuer: Error starting transaction", "error", "context canceled")
		l.Error("producer: fetch", "err", fmt.Errorf("fetch: %w", context.Canceled))
		l.Warn("elector: ", "error", context.Canceled)
		l.Error("real trouble", "error", errors.New("disk I/O error"))
		out := b.String()
		if strings.Contains(out, "level=ERROR msg=maintenance") || strings.Contains(out, "level=ERROR msg=\"producer") || strings.Contains(out, "level=WARN") {
			t.Errorf("a cancelled context logged as an error:\n%s", out)
		}
		if !strings.Contains(out, `level=ERROR msg="real trouble"`) {
			t.Errorf("a real error was lowered:\n%s", out)
		}
	}
	// Through the given logger (info), the lowered records show at info.
	b.Reset()
	quiet(fallback, nil).Error("maintenance.PeriodicJobEnqueuer: Error starting transaction", "error", "context canceled")
	if !strings.Contains(b.String(), "level=INFO") {
		t.Errorf("not at info: %q", b.String())
	}
	// Through the fallback (warnings only), not at all.
	b.Reset()
	quiet(nil, fallback).With("component", "river").Error("x", "error", "context canceled")
	if b.Len() != 0 {
		t.Errorf("the fallback logged %q", b.String())
	}
}
