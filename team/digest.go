package team

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
)

// digestEvery is how often the overdue digest goes out.
const digestEvery = 24 * time.Hour

// DigestArgs is the daily job that emails each team member the tasks of
// theirs that are overdue, and purges expired login sessions.
type DigestArgs struct{}

// Kind names the job kind in River.
func (DigestArgs) Kind() string { return "aftersale_digest" }

// InsertOpts keeps one digest a day, across nodes.
func (DigestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: digestEvery}}
}

type digestWorker struct {
	river.WorkerDefaults[DigestArgs]
	svc *Service
}

func (w *digestWorker) Work(ctx context.Context, _ *river.Job[DigestArgs]) error {
	if _, err := w.svc.cfg.Store.SessionPurge(ctx, w.svc.cfg.Clock.RealNow()); err != nil {
		return err
	}
	_, err := w.svc.SendOverdueDigests(ctx)
	return err
}

// Jobs are the team's River jobs, for engine.RunnerConfig.Jobs: the daily
// overdue digest (DigestArgs).
func (s *Service) Jobs() engine.Jobs {
	return engine.Jobs{
		Register: func(w *river.Workers) error { return river.AddWorkerSafely(w, &digestWorker{svc: s}) },
		Periodic: []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(digestEvery),
			func() (river.JobArgs, *river.InsertOpts) { return DigestArgs{}, nil },
			nil,
		)},
	}
}

// SendOverdueDigests emails every active member who has overdue tasks
// (assigned to their email or their role, open past due plus the SLA) a
// short list with links to them, and says how many digests went out.
// Members without overdue tasks get nothing.
func (s *Service) SendOverdueDigests(ctx context.Context) (int, error) {
	if s.cfg.Mailer == nil {
		return 0, errors.New("team: digests need Config.Mailer")
	}
	members, err := s.cfg.Store.MemberList(ctx)
	if err != nil || len(members) == 0 {
		return 0, err
	}
	tasks, err := s.Tasks(ctx, string(aftersale.TaskOpen), "")
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range members {
		if !m.Active() {
			continue // deactivated: no digest
		}
		var lines []string
		for _, t := range tasks {
			if s.Overdue(t) && AssignedTo(t, m.Email, string(m.Role)) {
				lines = append(lines, fmt.Sprintf("- %s (%s, due %s): %s/admin/tasks/%d",
					t.Title, t.Customer, t.DueAt.UTC().Format("Mon 2 Jan 15:04 MST"), s.cfg.BaseURL, t.ID))
			}
		}
		if len(lines) == 0 {
			continue
		}
		now := s.cfg.Clock.RealNow()
		body := fmt.Sprintf("Hi %s,\n\n%d of your tasks are overdue:\n\n%s\n\nThe whole list: %s/admin?tab=overdue\n",
			m.Name, len(lines), strings.Join(lines, "\n"), s.cfg.BaseURL)
		err := s.cfg.Mailer.Send(ctx, &aftersale.Email{
			MessageID: fmt.Sprintf("<digest-%d-%s@aftersale.local>", m.ID, now.Format("20060102")),
			Date:      now, From: s.cfg.From, To: aftersale.Address{Name: m.Name, Email: m.Email},
			ReturnPath: s.cfg.ReturnPath,
			Subject:    fmt.Sprintf("%d overdue tasks", len(lines)),
			Text:       body,
			Headers:    []aftersale.Header{{Name: "X-Aftersale-Template", Value: "overdue_digest"}},
		})
		if err != nil {
			return sent, fmt.Errorf("digest to member %d: %w", m.ID, err)
		}
		s.log.InfoContext(ctx, "overdue digest sent", "member_id", m.ID, "tasks", len(lines))
		sent++
	}
	return sent, nil
}
