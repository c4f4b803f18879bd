package engine

import (
	"context"
	"errors"
	"log/slog"
)

// stopQuiet lowers to info the warnings and errors River logs about a
// cancelled context ("maintenance.PeriodicJobEnqueuer: Error starting
// transaction" error="context canceled"): River cancels its own services
// when it stops, so on a graceful shutdown they are not errors. Its
// handler decides, at the lowered level, whether they are logged at all.
type stopQuiet struct {
	next slog.Handler
}

// Enabled implements slog.Handler: a record that may be lowered is let
// through to Handle, which asks next again.
func (h stopQuiet) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h stopQuiet) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn && cancelledRecord(r) {
		r.Level = slog.LevelInfo
		if !h.next.Enabled(ctx, r.Level) {
			return nil
		}
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h stopQuiet) WithAttrs(attrs []slog.Attr) slog.Handler {
	return stopQuiet{h.next.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h stopQuiet) WithGroup(name string) slog.Handler {
	return stopQuiet{h.next.WithGroup(name)}
}

// cancelledRecord reports whether the record's error (an "error" or "err"
// attribute) is a cancelled context.
func cancelledRecord(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "error" && a.Key != "err" {
			return true
		}
		switch v := a.Value.Resolve(); v.Kind() {
		case slog.KindString:
			found = v.String() == context.Canceled.Error()
		case slog.KindAny:
			err, ok := v.Any().(error)
			found = ok && errors.Is(err, context.Canceled)
		}
		return !found
	})
	return found
}
