package feedback

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
)

// PlanTTL is how long a success plan link keeps working: past the 12-week
// check-in.
const PlanTTL = 120 * 24 * time.Hour

// Limits of a success plan.
const (
	MaxObjectives  = 5
	MaxPlanText    = 200  // characters per objective or metric
	MaxCheckInNote = 2000 // characters
)

// PlanView is a success plan with its check-ins, as the client page and
// the API show it.
type PlanView struct {
	Order      string        `json:"order"` // the shop's order id
	Business   string        `json:"-"`
	Name       string        `json:"-"` // the client's first name
	Objectives []string      `json:"objectives"`
	Metrics    []string      `json:"metrics"`
	UpdatedBy  string        `json:"updated_by,omitempty"`
	UpdatedAt  *time.Time    `json:"updated_at,omitempty"`
	CheckIns   []CheckInView `json:"checkins"`
	// URL is the client's signed link to the plan page (API only).
	URL string `json:"url,omitempty"`
}

// Agreed reports whether objectives were entered.
func (v *PlanView) Agreed() bool { return len(v.Objectives) > 0 }

// CheckInView is one recorded check-in.
type CheckInView struct {
	ID        int64     `json:"id"`
	Progress  int       `json:"progress"`
	Note      string    `json:"note,omitempty"`
	By        string    `json:"by"`
	CreatedAt time.Time `json:"created_at"`
}

// PlanInput is a submitted success plan.
type PlanInput struct {
	Objectives []string `json:"objectives"`
	Metrics    []string `json:"metrics"`
}

// PlanURL returns the client's signed link to the success plan page of the
// order, valid PlanTTL.
func (s *Service) PlanURL(o *aftersale.Order) string {
	return s.cfg.BaseURL + "/p/" + s.cfg.Links.Sign(aftersale.LinkPlan, strconv.FormatInt(o.ID, 10), PlanTTL)
}

// planOrder returns the order a plan link is for.
func (s *Service) planOrder(ctx context.Context, token string) (*aftersale.Order, error) {
	sub, err := s.cfg.Links.Verify(aftersale.LinkPlan, token)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(sub, 10, 64)
	if err != nil {
		return nil, aftersale.Errorf(aftersale.EUNAUTHORIZED, "this link is not valid")
	}
	return s.cfg.Store.OrderGet(ctx, id)
}

// planOrderByRef returns the order with the shop's id, for the API.
func (s *Service) planOrderByRef(ctx context.Context, ref string) (*aftersale.Order, error) {
	if strings.TrimSpace(ref) == "" {
		return nil, aftersale.FieldError("order", "is required")
	}
	return s.cfg.Store.OrderGetByExternalID(ctx, ref)
}

// planView reads the plan and check-ins of the order.
func (s *Service) planView(ctx context.Context, o *aftersale.Order) (*PlanView, error) {
	v := &PlanView{Order: o.ExternalID, Business: s.cfg.Business.Name, Objectives: []string{}, Metrics: []string{}, CheckIns: []CheckInView{}}
	if c, err := s.cfg.Store.CustomerGet(ctx, o.CustomerID); err == nil {
		v.Name = email.NewPerson(c.Name, c.Email).FirstName
	} else if !aftersale.IsNotFound(err) {
		return nil, err
	}
	p, err := s.cfg.Store.PlanGet(ctx, o.ID)
	switch {
	case err == nil:
		v.Objectives = append(v.Objectives, p.Objectives...)
		v.Metrics = append(v.Metrics, p.Metrics...)
		v.UpdatedBy, v.UpdatedAt = p.UpdatedBy, &p.UpdatedAt
	case !aftersale.IsNotFound(err):
		return nil, err
	}
	list, err := s.cfg.Store.CheckInList(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		v.CheckIns = append(v.CheckIns, CheckInView{ID: c.ID, Progress: c.Progress, Note: c.Note, By: c.By, CreatedAt: c.CreatedAt})
	}
	return v, nil
}

// Plan returns the success plan of the order with the shop's id, with its
// check-ins and the client's link. An order without a plan yet gives empty
// lists.
func (s *Service) Plan(ctx context.Context, orderExternalID string) (*PlanView, error) {
	o, err := s.planOrderByRef(ctx, orderExternalID)
	if err != nil {
		return nil, err
	}
	v, err := s.planView(ctx, o)
	if err != nil {
		return nil, err
	}
	v.URL = s.PlanURL(o)
	return v, nil
}

// PlanPage verifies a plan link and returns the plan it is for.
func (s *Service) PlanPage(ctx context.Context, token string) (*PlanView, error) {
	o, err := s.planOrder(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.planView(ctx, o)
}

// cleanList trims the lines of a list and drops the empty ones, then checks
// the count and length.
func cleanList(field string, in []string, min, max int) ([]string, error) {
	var out []string
	for _, l := range in {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if len(out) < min {
		return nil, aftersale.FieldError(field, "enter at least %d", min)
	}
	if len(out) > max {
		return nil, aftersale.FieldError(field, "enter at most %d", max)
	}
	for _, l := range out {
		if n := len([]rune(l)); n > MaxPlanText {
			return nil, aftersale.FieldError(field, "each is at most %d characters (one has %d)", MaxPlanText, n)
		}
	}
	return out, nil
}

// savePlan validates and stores a plan of the order.
func (s *Service) savePlan(ctx context.Context, o *aftersale.Order, in PlanInput, by string) (*PlanView, error) {
	objectives, err := cleanList("objectives", in.Objectives, 1, MaxObjectives)
	if err != nil {
		return nil, err
	}
	metrics, err := cleanList("metrics", in.Metrics, 0, MaxObjectives)
	if err != nil {
		return nil, err
	}
	p := &aftersale.SuccessPlan{OrderID: o.ID, CustomerID: o.CustomerID, Objectives: objectives, Metrics: metrics,
		UpdatedBy: by, UpdatedAt: s.cfg.Clock.RealNow()}
	if err := s.cfg.Store.PlanSave(ctx, p); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "success plan saved", "order_id", o.ID, "by", by, "objectives", len(objectives))
	return s.planView(ctx, o)
}

// SavePlan stores the success plan of the order with the shop's id: one to
// five objectives and up to five metrics, each at most 200 characters
// (blank lines are dropped). by is who entered it: a member's email or
// "api". Saving again replaces the plan.
func (s *Service) SavePlan(ctx context.Context, orderExternalID string, in PlanInput, by string) (*PlanView, error) {
	o, err := s.planOrderByRef(ctx, orderExternalID)
	if err != nil {
		return nil, err
	}
	v, err := s.savePlan(ctx, o, in, by)
	if err != nil {
		return nil, err
	}
	v.URL = s.PlanURL(o)
	return v, nil
}

// SavePlanByLink stores the plan entered by the client through a plan link.
func (s *Service) SavePlanByLink(ctx context.Context, token string, in PlanInput) (*PlanView, error) {
	o, err := s.planOrder(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.savePlan(ctx, o, in, "client")
}

// recordCheckIn validates and stores a check-in of the order, which must
// have a plan.
func (s *Service) recordCheckIn(ctx context.Context, o *aftersale.Order, progress int, note, by string) (*CheckInView, error) {
	if progress < 0 || progress > 100 {
		return nil, aftersale.FieldError("progress", "must be from 0 to 100")
	}
	note = strings.TrimSpace(note)
	if err := (aftersale.TextRule{Max: MaxCheckInNote, Multiline: true}).Check("note", note); err != nil {
		return nil, err
	}
	if _, err := s.cfg.Store.PlanGet(ctx, o.ID); aftersale.IsNotFound(err) {
		return nil, aftersale.FieldError("objectives", "agree the objectives of the plan before recording progress")
	} else if err != nil {
		return nil, err
	}
	c, err := s.cfg.Store.CheckInAdd(ctx, &aftersale.CheckIn{OrderID: o.ID, Progress: progress, Note: note, By: by,
		CreatedAt: s.cfg.Clock.RealNow()})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "check-in recorded", "order_id", o.ID, "by", by, "progress", progress)
	return &CheckInView{ID: c.ID, Progress: c.Progress, Note: c.Note, By: c.By, CreatedAt: c.CreatedAt}, nil
}

// RecordCheckIn records the client's progress (0 to 100 %) against the
// success plan of the order with the shop's id, with a note of at most 2000
// characters; by is a member's email or "api". The order must have a plan.
// Completing a check-in task does not record progress: this does.
func (s *Service) RecordCheckIn(ctx context.Context, orderExternalID string, progress int, note, by string) (*CheckInView, error) {
	o, err := s.planOrderByRef(ctx, orderExternalID)
	if err != nil {
		return nil, err
	}
	return s.recordCheckIn(ctx, o, progress, note, by)
}

// RecordCheckInByLink records progress entered by the client through a
// plan link.
func (s *Service) RecordCheckInByLink(ctx context.Context, token string, progress int, note string) (*CheckInView, error) {
	o, err := s.planOrder(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.recordCheckIn(ctx, o, progress, note, "client")
}
