package devserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// levelNever is above every real level; used for LogLevel "never"/"off"/"none".
const levelNever = slog.Level(100)

// parseLogLevel maps the Options.LogLevel string to a slog level.
func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return slog.LevelWarn, nil
	case "never", "off", "none":
		return levelNever, nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("devserver: invalid log level %q (want debug, info, warn, error or never)", s)
	}
	return l, nil
}

// newServerSlog returns the slog.Logger the Temporal server logs to: the
// caller's logger (or a discarding one) filtered at the level held in min,
// and tagged so the lines are recognisable among syncctl's own logs.
func newServerSlog(base *slog.Logger, min *slog.LevelVar) *slog.Logger {
	if base == nil {
		base = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(&levelHandler{inner: base.Handler(), min: min}).With("component", "temporal")
}

// levelHandler drops records below min before they reach the inner handler.
// min is a LevelVar so the server can be silenced while it starts and stops
// (services dial each other before all of them listen, and shut down with a
// burst of "context canceled" errors; none of that is actionable).
type levelHandler struct {
	inner slog.Handler
	min   *slog.LevelVar
}

func (h *levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min.Level() && h.inner.Enabled(ctx, l)
}
func (h *levelHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.inner.Handle(ctx, r)
}
func (h *levelHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &levelHandler{inner: h.inner.WithAttrs(as), min: h.min}
}
func (h *levelHandler) WithGroup(name string) slog.Handler {
	return &levelHandler{inner: h.inner.WithGroup(name), min: h.min}
}

// serverLogger adapts a slog.Logger to the Temporal server's log.Logger.
//
// Fatal/Panic/DPanic are logged at error level and do not exit or panic (as
// in the Temporal CLI's dev server): inside syncctl a background invariant
// check (e.g. the deadlock detector on an overloaded laptop) must not kill the
// whole process. The first Fatal is remembered so that Start can fail with it
// instead of returning a half-working server.
type serverLogger struct {
	l     *slog.Logger
	fatal *fatalRecorder
}

type fatalRecorder struct {
	mu  sync.Mutex
	msg string
}

func (f *fatalRecorder) record(msg string, tags []tag.Tag) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.msg != "" {
		return
	}
	var b strings.Builder
	b.WriteString(msg)
	for _, t := range tags {
		fmt.Fprintf(&b, " %s=%v", t.Key(), t.Value())
	}
	f.msg = b.String()
}

// err returns the first fatal message as an error, or nil.
func (f *fatalRecorder) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.msg == "" {
		return nil
	}
	return fmt.Errorf("devserver: Temporal server reported a fatal error: %s", f.msg)
}

var (
	_ log.Logger      = serverLogger{}
	_ log.SLogWrapper = serverLogger{}
)

func (s serverLogger) Debug(msg string, tags ...tag.Tag)  { s.log(slog.LevelDebug, msg, tags) }
func (s serverLogger) Info(msg string, tags ...tag.Tag)   { s.log(slog.LevelInfo, msg, tags) }
func (s serverLogger) Warn(msg string, tags ...tag.Tag)   { s.log(slog.LevelWarn, msg, tags) }
func (s serverLogger) Error(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }
func (s serverLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }
func (s serverLogger) Panic(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }
func (s serverLogger) Fatal(msg string, tags ...tag.Tag) {
	if s.fatal != nil {
		s.fatal.record(msg, tags)
	}
	s.log(slog.LevelError, msg, tags)
}

// SLog lets server components that want a *slog.Logger use ours directly.
func (s serverLogger) SLog() *slog.Logger { return s.l }

func (s serverLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if !s.l.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, len(tags))
	for i, t := range tags {
		attrs[i] = slog.Any(t.Key(), t.Value())
	}
	s.l.LogAttrs(ctx, level, msg, attrs...)
}
