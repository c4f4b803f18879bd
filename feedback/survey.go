package feedback

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/journey"
)

// SurveyTTL is how long a survey link keeps working.
const SurveyTTL = 60 * 24 * time.Hour

// DefaultRecoveryBelow is the NPS score below which a recovery call is
// created: detractors (0 to 6).
const DefaultRecoveryBelow = 7

// surveyToken signs a survey link: the order, the survey and who answers.
func (s *Service) surveyToken(orderID, customerID int64, kind string) string {
	return s.cfg.Links.Sign(aftersale.LinkSurvey, fmt.Sprintf("%d:%s:%d", orderID, kind, customerID), SurveyTTL)
}

// surveyClaims reads a survey token.
func (s *Service) surveyClaims(token string) (orderID, customerID int64, kind string, err error) {
	subj, err := s.cfg.Links.Verify(aftersale.LinkSurvey, token)
	if err != nil {
		return 0, 0, "", err
	}
	parts := strings.Split(subj, ":")
	if len(parts) != 3 {
		return 0, 0, "", aftersale.Errorf(aftersale.EINVALID, "this survey link is damaged")
	}
	orderID, err1 := strconv.ParseInt(parts[0], 10, 64)
	customerID, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || (parts[1] != journey.SurveyImportance && parts[1] != journey.SurveyPerformance) {
		return 0, 0, "", aftersale.Errorf(aftersale.EINVALID, "this survey link is damaged")
	}
	return orderID, customerID, parts[1], nil
}

// HandleSurvey executes a survey step (engine.StepHandler; app registers
// it for aftersale.StepSurvey): it sends the step's email with the
// survey's links, unless the survey was answered already (nothing is asked
// twice: a second performance step is the reminder, and goes only when the
// first was not answered).
func (s *Service) HandleSurvey(ctx context.Context, x *engine.StepExec) (engine.StepOutcome, error) {
	step, js, f := x.Step, x.Journey, x.Facts
	answers, err := s.cfg.Store.SurveyAnswerList(ctx, aftersale.AnswerFilter{OrderID: f.Order.ID})
	if err != nil {
		return engine.StepOutcome{}, err
	}
	reminder := false
	for _, a := range answers {
		switch {
		case js.Survey == journey.SurveyImportance && a.Kind == aftersale.AnswerImportance,
			js.Survey == journey.SurveyPerformance && a.Kind != aftersale.AnswerImportance:
			return engine.Done("answered already: not asked again"), nil
		}
	}
	if js.Survey == journey.SurveyPerformance {
		// A later performance step of the same run is the reminder.
		steps, err := s.cfg.Store.StepListByCustomer(ctx, f.Buyer.ID)
		if err != nil {
			return engine.StepOutcome{}, err
		}
		j := x.Service().Journeys().ByID(step.JourneyID)
		for _, st := range steps {
			if j == nil || st.RunID != step.RunID || st.ID == step.ID || st.Status != aftersale.StepDone || !st.DueAt.Before(step.DueAt) {
				continue
			}
			if js2 := j.Step(st.StepID); js2 != nil && js2.Type == aftersale.StepSurvey && js2.Survey == journey.SurveyPerformance {
				reminder = true
			}
		}
	}
	sj := *js
	if sj.Template == "" {
		sj.Template = "survey_" + js.Survey
	}
	if len(sj.To) == 0 {
		// The person who uses the purchase is the one to ask.
		sj.To = []string{journey.RecipientBuyer}
		if f.User != nil {
			sj.To = []string{journey.RecipientUser}
		}
	}
	qualities := s.chosenQualities(answers)
	members, err := s.servedBy(ctx, f.Order)
	if err != nil {
		return engine.StepOutcome{}, err
	}
	survey := func(to *aftersale.Customer) *email.SurveyData {
		tok := s.surveyToken(f.Order.ID, to.ID, js.Survey)
		d := &email.SurveyData{URL: s.cfg.BaseURL + "/s/" + tok, Reminder: reminder}
		if js.Survey == journey.SurveyImportance {
			for _, q := range s.qualities() {
				d.Choices = append(d.Choices, email.SurveyChoice{Label: q.Label, URL: d.URL + "?q=" + q.Key})
			}
			return d
		}
		for _, q := range qualities {
			d.Qualities = append(d.Qualities, q.Label)
		}
		for _, m := range members {
			d.Members = append(d.Members, m.Name)
		}
		return d
	}
	msgs, note, err := x.SendEmail(ctx, &sj, func(to *aftersale.Customer, _ bool, d *email.Data) { d.Survey = survey(to) })
	return engine.Done(note, msgs...), err
}

func (s *Service) qualities() []aftersale.Quality {
	if len(s.cfg.Qualities) > 0 {
		return s.cfg.Qualities
	}
	return aftersale.DefaultQualities
}

// chosenQualities returns the qualities the customer chose in step one, in
// their order of importance, or every quality when they chose none.
func (s *Service) chosenQualities(answers []*aftersale.SurveyAnswer) []aftersale.Quality {
	rank := map[string]int{}
	for _, a := range answers {
		if a.Kind == aftersale.AnswerImportance && a.Value > 0 {
			rank[a.Quality] = a.Value
		}
	}
	var out []aftersale.Quality
	for _, q := range s.qualities() {
		if _, ok := rank[q.Key]; ok {
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		return s.qualities()
	}
	slices.SortStableFunc(out, func(a, b aftersale.Quality) int { return cmp.Compare(rank[a.Key], rank[b.Key]) })
	return out
}

// servedBy returns the team members who completed tasks for the order, in
// the order they first did.
func (s *Service) servedBy(ctx context.Context, o *aftersale.Order) ([]*aftersale.Member, error) {
	tasks, err := s.cfg.Store.TaskList(ctx, aftersale.TaskFilter{CustomerID: o.CustomerID, Status: aftersale.TaskDone})
	if err != nil {
		return nil, err
	}
	var out []*aftersale.Member
	seen := map[string]bool{}
	for _, t := range tasks {
		key := strings.ToLower(t.DoneBy)
		if t.OrderID != o.ID || key == "" || seen[key] {
			continue
		}
		seen[key] = true
		m, err := s.cfg.Store.MemberGetByEmail(ctx, key)
		if aftersale.IsNotFound(err) {
			continue // no longer on the team
		} else if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// SurveyForm is what a survey page shows.
type SurveyForm struct {
	Kind     string // importance or performance
	Business string
	Name     string // the customer's first name
	Order    string
	// Qualities: every quality with the customer's rank (0 = not chosen)
	// for importance; the chosen ones (or all) for performance.
	Qualities []SurveyQuality
	// Subjects are rated on each quality in the performance survey: the
	// company ("") first, then each member who served the customer.
	Subjects []SurveySubject
	NPS      *int
	Comment  string
	Answered bool
}

// SurveyQuality is one quality on a survey page.
type SurveyQuality struct {
	Key, Label string
	Rank       int // importance: 1 = most important, 0 = not chosen
}

// SurveySubject is whom a performance rating is about.
type SurveySubject struct {
	Email   string // "" for the company
	Name    string
	Ratings map[string]int // quality key → 1..5, 0 = not rated yet
}

// SurveyPage verifies the token and returns the survey form with what was
// answered so far. pick, when not "", is a quality chosen with one click
// from the importance email: it is recorded first (at the next rank).
func (s *Service) SurveyPage(ctx context.Context, token, pick string) (*SurveyForm, error) {
	orderID, customerID, kind, err := s.surveyClaims(token)
	if err != nil {
		return nil, err
	}
	o, err := s.cfg.Store.OrderGet(ctx, orderID)
	if err != nil {
		return nil, err
	}
	c, err := s.cfg.Store.CustomerGet(ctx, customerID)
	if err != nil {
		return nil, err
	}
	answers, err := s.cfg.Store.SurveyAnswerList(ctx, aftersale.AnswerFilter{OrderID: orderID})
	if err != nil {
		return nil, err
	}
	if pick != "" && kind == journey.SurveyImportance {
		if !slices.ContainsFunc(s.qualities(), func(q aftersale.Quality) bool { return q.Key == pick }) {
			return nil, aftersale.FieldError("q", "unknown quality %q", pick)
		}
		rank, chosen := 0, 0
		for _, a := range answers {
			if a.Kind == aftersale.AnswerImportance && a.Value > 0 {
				chosen++
				if a.Quality == pick {
					rank = a.Value
				}
			}
		}
		if rank == 0 {
			if _, err := s.cfg.Store.SurveyAnswerSave(ctx, &aftersale.SurveyAnswer{
				CustomerID: c.ID, OrderID: o.ID, Kind: aftersale.AnswerImportance, Quality: pick,
				Value: chosen + 1, CreatedAt: s.cfg.Clock.RealNow(),
			}); err != nil {
				return nil, err
			}
			if answers, err = s.cfg.Store.SurveyAnswerList(ctx, aftersale.AnswerFilter{OrderID: orderID}); err != nil {
				return nil, err
			}
		}
	}
	form := &SurveyForm{Kind: kind, Business: s.cfg.Business.Name, Name: email.NewPerson(c.Name, c.Email).FirstName, Order: o.ExternalID}
	if kind == journey.SurveyImportance {
		rank := map[string]int{}
		for _, a := range answers {
			if a.Kind == aftersale.AnswerImportance {
				rank[a.Quality] = a.Value
				form.Answered = form.Answered || a.Value > 0
			}
		}
		for _, q := range s.qualities() {
			form.Qualities = append(form.Qualities, SurveyQuality{Key: q.Key, Label: q.Label, Rank: rank[q.Key]})
		}
		return form, nil
	}
	for _, q := range s.chosenQualities(answers) {
		form.Qualities = append(form.Qualities, SurveyQuality{Key: q.Key, Label: q.Label})
	}
	members, err := s.servedBy(ctx, o)
	if err != nil {
		return nil, err
	}
	form.Subjects = []SurveySubject{{Name: s.cfg.Business.Name, Ratings: map[string]int{}}}
	for _, m := range members {
		form.Subjects = append(form.Subjects, SurveySubject{Email: strings.ToLower(m.Email), Name: m.Name, Ratings: map[string]int{}})
	}
	for _, a := range answers {
		switch a.Kind {
		case aftersale.AnswerPerformance:
			for i := range form.Subjects {
				if form.Subjects[i].Email == strings.ToLower(a.Subject) {
					form.Subjects[i].Ratings[a.Quality] = a.Value
				}
			}
			form.Answered = true
		case aftersale.AnswerNPS:
			v := a.Value
			form.NPS, form.Answered = &v, true
		case aftersale.AnswerComment:
			form.Comment = a.Comment
		}
	}
	return form, nil
}

// SurveyInput is a submitted survey page.
type SurveyInput struct {
	// Ranks: importance, quality key → rank (1 = most important, 0 = not
	// chosen).
	Ranks map[string]int
	// Ratings: performance, subject ("" or a member's email) → quality key
	// → 1..5.
	Ratings map[string]map[string]int
	NPS     *int
	Comment string
}

// SubmitSurvey stores the answers of a survey page, replacing earlier ones
// (nothing is counted twice). A recommendation score below the recovery
// threshold creates a recovery call for the owner at once (one per order).
func (s *Service) SubmitSurvey(ctx context.Context, token string, in SurveyInput) error {
	orderID, customerID, kind, err := s.surveyClaims(token)
	if err != nil {
		return err
	}
	form, err := s.SurveyPage(ctx, token, "")
	if err != nil {
		return err
	}
	now := s.cfg.Clock.RealNow()
	var list []*aftersale.SurveyAnswer
	add := func(a aftersale.SurveyAnswer) {
		a.CustomerID, a.OrderID, a.CreatedAt = customerID, orderID, now
		list = append(list, &a)
	}
	if kind == journey.SurveyImportance {
		used := map[int]bool{}
		for _, q := range form.Qualities {
			r := in.Ranks[q.Key]
			if r < 0 || r > len(form.Qualities) {
				return aftersale.FieldError("rank_"+q.Key, "must be from 1 to %d, or empty", len(form.Qualities))
			}
			if r > 0 && used[r] {
				return aftersale.FieldError("rank_"+q.Key, "rank %d is given twice", r)
			}
			if r > 0 {
				used[r] = true
			}
			if r > 0 || q.Rank > 0 { // 0 withdraws an earlier choice
				add(aftersale.SurveyAnswer{Kind: aftersale.AnswerImportance, Quality: q.Key, Value: r})
			}
		}
		if len(used) == 0 {
			return aftersale.FieldError("ranks", "choose at least one")
		}
	} else {
		for _, sub := range form.Subjects {
			for _, q := range form.Qualities {
				v := in.Ratings[sub.Email][q.Key]
				if v == 0 {
					continue
				}
				if v < 1 || v > 5 {
					return aftersale.FieldError("rating", "ratings are from 1 to 5")
				}
				add(aftersale.SurveyAnswer{Kind: aftersale.AnswerPerformance, Quality: q.Key, Subject: sub.Email, Value: v})
			}
		}
		if in.NPS == nil {
			return aftersale.FieldError("nps", "please say how likely you are to recommend us (0 to 10)")
		}
		if *in.NPS < 0 || *in.NPS > 10 {
			return aftersale.FieldError("nps", "must be from 0 to 10")
		}
		add(aftersale.SurveyAnswer{Kind: aftersale.AnswerNPS, Value: *in.NPS})
		if c := strings.TrimSpace(in.Comment); c != "" || form.Comment != "" {
			if err := (aftersale.TextRule{Max: 5000, Multiline: true}).Check("comment", c); err != nil {
				return err
			}
			add(aftersale.SurveyAnswer{Kind: aftersale.AnswerComment, Comment: c})
		}
	}
	err = s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		for _, a := range list {
			if _, err := tx.SurveyAnswerSave(ctx, a); err != nil {
				return err
			}
		}
		if kind == journey.SurveyPerformance && *in.NPS < s.recoveryBelow() {
			return s.recoveryCall(ctx, tx, orderID, customerID, *in.NPS)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "survey answered", "order_id", orderID, "survey", kind, "answers", len(list))
	return nil
}

func (s *Service) recoveryBelow() int {
	if s.cfg.RecoveryBelow > 0 {
		return s.cfg.RecoveryBelow
	}
	return DefaultRecoveryBelow
}

// recoveryCall creates the owner's call to a customer who scored us low,
// due now, unless the order has an open one.
func (s *Service) recoveryCall(ctx context.Context, tx Tx, orderID, customerID int64, score int) error {
	c, err := tx.CustomerGet(ctx, customerID)
	if err != nil {
		return err
	}
	made, err := s.ownerCall(ctx, tx, orderID, customerID, "Recovery call",
		fmt.Sprintf("Recovery call: %s rated us %d/10", c.FirstName(), score),
		"1. Thank them for their honest answer; say you read it yourself.\n"+
			"2. Ask what went wrong, and listen; do not defend.\n"+
			"3. Ask what would make it right, and agree on one concrete step and when.\n"+
			"4. Do it, and follow up by email the same day.\n"+
			"5. Log the outcome; note what should change so it does not happen again.")
	if made {
		s.log.InfoContext(ctx, "recovery call created", "order_id", orderID, "score", score)
	}
	return err
}
