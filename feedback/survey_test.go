package feedback

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/report"
	"github.com/aftersale/aftersale/team"
)

// TestSurveyCycle runs the two-step survey for two buyers: the importance
// survey of day 1 (one click picks a quality, the page ranks them), the
// performance survey on exactly the chosen qualities, its reminder only for
// who did not answer, a recovery call for the low score at once (one, however
// often it is submitted), and the reports over both: IPA, NPS and CSAT, the
// funnel and the refund risk.
func TestSurveyCycle(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.fb
		const gil, hal = "gil@example.com", "hal@example.com"
		h.Ingest(t, fixture.Order("e1", gil, "6001", "digital"))
		h.Ingest(t, fixture.Order("e2", hal, "6002", "digital"))
		h.Days(t, 1)
		for _, who := range []string{gil, hal} {
			if n := fixture.Count(h.Mail.Templates(who), "survey_importance"); n != 1 {
				t.Fatalf("%s got %d importance surveys on day 1, want 1: %v", who, n, h.Mail.Templates(who))
			}
		}
		qs := aftersale.DefaultQualities
		for _, who := range []string{gil, hal} {
			tok := h.surveyLink(t, who, "survey_importance")
			if _, err := s.SurveyPage(ctx, tok, "no-such-quality"); err == nil {
				t.Error("an unknown quality was picked")
			}
			form, err := s.SurveyPage(ctx, tok, qs[1].Key)
			if err != nil || form.Kind != journey.SurveyImportance || form.Name != "Ana" || !form.Answered {
				t.Fatalf("the importance page after a pick: %+v, %v", form, err)
			}
			for _, q := range form.Qualities {
				if want := map[bool]int{true: 1, false: 0}[q.Key == qs[1].Key]; q.Rank != want {
					t.Errorf("quality %s ranked %d after one pick, want %d", q.Key, q.Rank, want)
				}
			}
			if err := s.SubmitSurvey(ctx, tok, SurveyInput{Ranks: map[string]int{qs[0].Key: 1, qs[1].Key: 1}}); err == nil {
				t.Error("one rank given twice was taken")
			}
			if err := s.SubmitSurvey(ctx, tok, SurveyInput{Ranks: map[string]int{}}); err == nil {
				t.Error("no choice was taken")
			}
			if err := s.SubmitSurvey(ctx, tok, SurveyInput{Ranks: map[string]int{qs[0].Key: 1, qs[1].Key: 2}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.SurveyPage(ctx, "forged", ""); err == nil {
			t.Error("a forged survey link opened")
		}

		// The performance survey: Gil scores 3, Hal does not answer.
		h.Days(t, 14)
		tok := h.surveyLink(t, gil, "survey_performance")
		form, err := s.SurveyPage(ctx, tok, "")
		if err != nil || form.Kind != journey.SurveyPerformance || len(form.Qualities) != 2 || form.Qualities[0].Key != qs[0].Key || form.Qualities[1].Key != qs[1].Key {
			t.Fatalf("the performance page: %+v, %v; want the two chosen qualities in rank order", form, err)
		}
		low := 3
		bad := 7
		if err := s.SubmitSurvey(ctx, tok, SurveyInput{Ratings: map[string]map[string]int{"": {qs[0].Key: 2}}}); err == nil {
			t.Error("a performance survey without a score was taken")
		}
		if err := s.SubmitSurvey(ctx, tok, SurveyInput{Ratings: map[string]map[string]int{"": {qs[0].Key: bad}}, NPS: &low}); err == nil {
			t.Error("a rating of 7 of 5 was taken")
		}
		for range 2 {
			in := SurveyInput{Ratings: map[string]map[string]int{"": {qs[0].Key: 2, qs[1].Key: 1}}, NPS: &low, Comment: "slow answers"}
			if err := s.SubmitSurvey(ctx, tok, in); err != nil {
				t.Fatal(err)
			}
		}
		if form, err := s.SurveyPage(ctx, tok, ""); err != nil || !form.Answered || form.NPS == nil || *form.NPS != 3 || form.Comment != "slow answers" || form.Subjects[0].Ratings[qs[0].Key] != 2 {
			t.Errorf("the answered page: %+v, %v", form, err)
		}
		var recovery []team.TaskView
		for _, tk := range h.tasks(t, "open", gil) {
			if strings.HasPrefix(tk.Title, "Recovery call") {
				recovery = append(recovery, tk)
			}
		}
		if len(recovery) != 1 || recovery[0].Title != "Recovery call: Ana rated us 3/10" || recovery[0].Assignee != "owner" {
			t.Fatalf("recovery calls %+v, want one for the owner", recovery)
		}
		h.Days(t, 7)
		if n := fixture.Count(h.Mail.Templates(gil), "survey_performance"); n != 1 {
			t.Errorf("Gil answered and got %d performance surveys, want 1 (no reminder)", n)
		}
		if n := fixture.Count(h.Mail.Templates(hal), "survey_performance"); n != 2 {
			t.Errorf("Hal did not answer and got %d performance surveys, want the survey and its reminder", n)
		}
		ten := 10
		if err := s.SubmitSurvey(ctx, h.surveyLink(t, hal, "survey_performance"), SurveyInput{Ratings: map[string]map[string]int{"": {qs[0].Key: 5, qs[1].Key: 4}}, NPS: &ten}); err != nil {
			t.Fatal(err)
		}
		for _, tk := range h.tasks(t, "open", hal) {
			if strings.HasPrefix(tk.Title, "Recovery call") {
				t.Errorf("a recovery call for a 10: %+v", tk)
			}
		}

		// The reports.
		sc, err := s.ScoreReport(ctx, report.Filter{})
		if err != nil || sc.Overall.Responses != 2 || sc.Overall.NPS != 0 || sc.Overall.Ratings != 4 || sc.Overall.CSAT != 50 {
			t.Errorf("ScoreReport: %+v, %v; want 2 answers, NPS 0, CSAT 50%% of 4 ratings", sc, err)
		}
		ipa, err := s.IPAReport(ctx, report.Filter{})
		if err != nil || ipa.Respondents != 2 {
			t.Fatalf("IPAReport: %+v, %v", ipa, err)
		}
		for _, p := range ipa.Points {
			switch p.Quality.Key {
			case qs[0].Key:
				if p.Performance != 3.5 || p.Responses != 2 {
					t.Errorf("IPA %s: %+v, want performance 3.5 of 2", p.Quality.Key, p)
				}
			case qs[1].Key:
				if p.Performance != 2.5 || p.Responses != 2 || p.Importance >= ipa.Points[0].Importance {
					t.Errorf("IPA %s: %+v, want performance 2.5 and less important than %s", p.Quality.Key, p, qs[0].Key)
				}
			}
		}
		if sc, err := s.ScoreReport(ctx, report.Filter{Product: "no such product"}); err != nil || sc.Overall.Responses != 0 {
			t.Errorf("ScoreReport of another product: %+v, %v", sc, err)
		}
		f, err := s.FunnelReport(ctx, report.Filter{})
		if err != nil || f.Orders != 2 || f.Refunded != 0 {
			t.Errorf("FunnelReport: %+v, %v", f, err)
		}
		if ps, err := s.Products(ctx); err != nil || len(ps) == 0 {
			t.Errorf("Products: %v, %v", ps, err)
		}
		if r := h.risk(t, "6001"); r.Score < riskLowScore {
			t.Errorf("Gil's refund risk %+v: want the low score in it", r)
		}
	}, nil)
}

// TestSurveyLinks checks that a survey link names its order, survey and
// customer, is refused once altered or used for another purpose, and
// expires after SurveyTTL.
func TestSurveyLinks(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := &aftersale.Clock{Now: func() time.Time { return now }}
	links := &aftersale.LinkSigner{Key: []byte("0123456789abcdef0123456789abcdef"), Clock: clock}
	s := &Service{cfg: Config{Links: links, Clock: clock}}

	tok := s.surveyToken(42, 7, "performance")
	order, customer, kind, err := s.surveyClaims(tok)
	if err != nil || order != 42 || customer != 7 || kind != "performance" {
		t.Fatalf("claims = %d %d %q %v", order, customer, kind, err)
	}
	if _, _, _, err := s.surveyClaims(tok[:len(tok)-2] + "xx"); err == nil {
		t.Error("an altered token was accepted")
	}
	unsub := links.Sign(aftersale.LinkUnsubscribe, "7", time.Hour)
	if _, _, _, err := s.surveyClaims(unsub); err == nil {
		t.Error("an unsubscribe token opened a survey")
	}
	// A token for a survey that does not exist is refused too.
	odd := links.Sign(aftersale.LinkSurvey, "42:gossip:7", time.Hour)
	if _, _, _, err := s.surveyClaims(odd); err == nil {
		t.Error("a token naming an unknown survey was accepted")
	}
	now = now.Add(SurveyTTL - time.Minute)
	if _, _, _, err := s.surveyClaims(tok); err != nil {
		t.Errorf("a minute before expiry: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if _, _, _, err := s.surveyClaims(tok); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("after SurveyTTL: %v, want an expiry error", err)
	}
}
