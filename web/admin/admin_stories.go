package admin

// The library of client stories in the admin UI: the list, a form to
// write or edit a story, and its deletion after a confirmation. Journey
// emails with `story: true` tell one of them (see insiders.Service.PickStories).

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
)

// matchSKU is the value of the form's match select that means "the SKU
// typed in the sku field".
const matchSKU = "sku"

// storiesPage is the data of the stories list.
type storiesPage struct {
	Rows []storyRow
}

// storyRow is a story in the list.
type storyRow struct {
	ID         int64
	Title      string
	Match      string // for people: "Any purchase", "Course purchases", "SKU sku-1"
	Permission bool
	UpdatedAt  time.Time
}

func newStoryRow(st *aftersale.Story) storyRow {
	return storyRow{ID: st.ID, Title: st.Title, Match: matchLabel(st.Match), Permission: st.Permission, UpdatedAt: st.UpdatedAt}
}

// matchLabel says which purchases a story's match suits.
func matchLabel(match string) string {
	if match == "" {
		return "Any purchase"
	}
	if k, ok := strings.CutPrefix(match, "kind:"); ok {
		return label(k) + " purchases"
	}
	return "SKU " + match
}

// storyForm is what the story form holds.
type storyForm struct {
	Title, Body string
	Match       string // "", "kind:KIND" or matchSKU
	SKU         string
	Permission  bool
}

// storyPage is the data of the story form.
type storyPage struct {
	ID    int64 // 0 for a new story
	Form  storyForm
	Kinds []matchChoice
	Field string // the field an error is about
	Alert alert
	Story *aftersale.Story // the stored story; nil for a new one
	// Limits of the fields, for the form.
	TitleMax, BodyMax, SKUMax int
}

// matchChoice is an item kind of the match select.
type matchChoice struct{ Value, Label string }

func newStoryPage(id int64, f storyForm) storyPage {
	p := storyPage{ID: id, Form: f, TitleMax: insiders.StoryTitleMax, BodyMax: insiders.StoryBodyMax, SKUMax: insiders.StorySKUMax}
	for _, k := range aftersale.ItemKinds {
		p.Kinds = append(p.Kinds, matchChoice{Value: "kind:" + string(k), Label: label(k) + " purchases"})
	}
	return p
}

// formOfStory fills the form from a stored story.
func formOfStory(st *aftersale.Story) storyForm {
	f := storyForm{Title: st.Title, Body: st.Body, Match: st.Match, Permission: st.Permission}
	if st.Match != "" && !strings.HasPrefix(st.Match, "kind:") {
		f.Match, f.SKU = matchSKU, st.Match
	}
	return f
}

// storyID reads the {id} of the path.
func storyID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, aftersale.Errorf(aftersale.ENOTFOUND, "There is no story %s.", r.PathValue("id"))
	}
	return id, nil
}

// adminStories lists the stories, newest first.
func (s *UI) adminStories(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	list, err := s.cfg.Insiders.Stories(r.Context())
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	var p storiesPage
	for _, st := range list {
		p.Rows = append(p.Rows, newStoryRow(st))
	}
	s.adminPage(w, r, http.StatusOK, m, "stories.html", "Stories", p)
}

// adminStoryNew shows the form for a new story.
func (s *UI) adminStoryNew(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	s.adminPage(w, r, http.StatusOK, m, "story.html", "New story", newStoryPage(0, storyForm{}))
}

// adminStory shows the form of a stored story.
func (s *UI) adminStory(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, err := storyID(r)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	st, err := s.cfg.Insiders.Story(r.Context(), id)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	p := newStoryPage(id, formOfStory(st))
	p.Story = st
	s.adminPage(w, r, http.StatusOK, m, "story.html", st.Title, p)
}

// adminStoryCreate stores a new story.
func (s *UI) adminStoryCreate(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	s.adminStorySave(w, r, m, 0)
}

// adminStoryUpdate changes a stored story.
func (s *UI) adminStoryUpdate(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, err := storyID(r)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.adminStorySave(w, r, m, id)
}

// adminStorySave stores the story of the form (id 0: a new one); a
// mistake is shown on the form, with what was typed.
func (s *UI) adminStorySave(w http.ResponseWriter, r *http.Request, m *team.MemberView, id int64) {
	ctx := r.Context()
	pf := r.PostForm
	f := storyForm{
		Title: pf.Get("title"), Body: pf.Get("body"), Match: strings.TrimSpace(pf.Get("match")),
		SKU: strings.TrimSpace(pf.Get("sku")), Permission: pf.Get("permission") != "",
	}
	fail := func(status int, field, msg string) {
		p := newStoryPage(id, f)
		p.Field, p.Alert.Error = field, msg
		if id != 0 {
			p.Story, _ = s.cfg.Insiders.Story(ctx, id)
		}
		title := "New story"
		if id != 0 {
			title = "Edit the story"
		}
		s.adminPage(w, r, status, m, "story.html", title, p)
	}
	in := insiders.StoryInput{Title: f.Title, Body: f.Body, Match: f.Match, Permission: f.Permission}
	switch {
	case f.Match == matchSKU && f.SKU == "":
		fail(http.StatusBadRequest, "sku", "Type the product's SKU, or choose an item kind or any purchase.")
		return
	case f.Match == matchSKU && strings.HasPrefix(f.SKU, "kind:"):
		fail(http.StatusBadRequest, "sku", "A SKU cannot start with \"kind:\": choose the item kind in the list instead.")
		return
	case f.Match == matchSKU:
		in.Match = f.SKU
	case f.Match != "" && !strings.HasPrefix(f.Match, "kind:"):
		fail(http.StatusBadRequest, "match", "Choose which purchases the story suits from the list.")
		return
	}
	st, err := s.cfg.Insiders.SaveStory(ctx, id, in)
	if err != nil {
		code := aftersale.ErrorCode(err)
		if code != aftersale.EINVALID {
			s.adminError(w, r, m, err)
			return
		}
		field := errField(err)
		if field == "match" && f.Match == matchSKU {
			field = "sku"
		}
		fail(web.StatusOf(code), field, storyErrorText(err))
		return
	}
	s.log.InfoContext(ctx, "admin saved a story", "member_id", m.ID, "story_id", st.ID)
	msg := "The story \"" + st.Title + "\" is saved."
	if !st.Permission {
		msg += " It is not sent until you tick that the client gave permission to share it."
	}
	s.flash(ctx, msg)
	http.Redirect(w, r, "/admin/stories", http.StatusSeeOther)
}

// adminStoryDeleteConfirm asks whether to delete the story.
func (s *UI) adminStoryDeleteConfirm(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, err := storyID(r)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	st, err := s.cfg.Insiders.Story(r.Context(), id)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.adminPage(w, r, http.StatusOK, m, "story_delete.html", "Delete the story?", newStoryRow(st))
}

// adminStoryDelete deletes the story.
func (s *UI) adminStoryDelete(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, err := storyID(r)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	st, err := s.cfg.Insiders.Story(r.Context(), id)
	if err == nil {
		err = s.cfg.Insiders.DeleteStory(r.Context(), id)
	}
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.log.InfoContext(r.Context(), "admin deleted a story", "member_id", m.ID, "story_id", id)
	s.flash(r.Context(), "The story \""+st.Title+"\" is deleted.")
	http.Redirect(w, r, "/admin/stories", http.StatusSeeOther)
}

// storyErrorText says what is wrong with a story's field in a sentence:
// "The title is required: …".
func storyErrorText(err error) string {
	var e *aftersale.Error
	if !errors.As(err, &e) {
		return aftersale.ErrorMessage(err)
	}
	switch e.Field {
	case "title":
		return web.Sentence("The title " + e.Message)
	case "body":
		return web.Sentence("The story " + e.Message)
	}
	return web.Sentence(e.Message)
}
