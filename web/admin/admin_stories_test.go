package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// story stores a story in the library.
func (e *env) story(t *testing.T, title, match string, permission bool) *aftersale.Story {
	t.Helper()
	now := time.Now().UTC()
	st, err := e.store.StorySave(context.Background(), &aftersale.Story{
		Title: title, Body: "How it went for them.", Match: match, Permission: permission, CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestAdminStories(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ana := e.member(t, "ana@shop.example", aftersale.RoleAssistant)
	c := e.client(t)
	c.Login(ana.Email, password)
	ctx := context.Background()

	c.Get("/admin/stories").Want(t, http.StatusOK, "<h1>Stories</h1>", "No story yet.", `href="/admin/stories" aria-current="page"`)
	c.Get("/admin/stories/new").Want(t, http.StatusOK, "New story", `name="title"`, `<option value="kind:course">Course purchases</option>`,
		`<option value="sku">`, `name="permission"`, `name="csrf_token"`)

	// Mistakes are shown on the form, with what was typed.
	c.Post("/admin/stories", url.Values{"title": {""}, "body": {"It went well."}}).
		Want(t, http.StatusBadRequest, "The title is required", `id="title" name="title"`, `aria-invalid="true"`, ">It went well.</textarea>")
	c.Post("/admin/stories", url.Values{"title": {"Maria"}, "body": {"  \r\n "}}).
		Want(t, http.StatusBadRequest, "The story is required", `value="Maria"`)
	c.Post("/admin/stories", url.Values{"title": {strings.Repeat("x", 121)}, "body": {"B"}}).
		Want(t, http.StatusBadRequest, "The title is too long: at most 120 characters.")
	c.Post("/admin/stories", url.Values{"title": {"Maria"}, "body": {strings.Repeat("b", 3001)}}).
		Want(t, http.StatusBadRequest, "The story is too long")
	r := c.Post("/admin/stories", url.Values{"title": {"Maria"}, "body": {"B"}, "match": {"sku"}, "sku": {" "}, "permission": {"1"}})
	r.Want(t, http.StatusBadRequest, "Type the product&#39;s SKU", `<option value="sku" selected>`, `id="sku" name="sku" maxlength="100" value="" autocomplete="off" aria-invalid="true"`, "checked")
	c.Post("/admin/stories", url.Values{"title": {"Maria"}, "body": {"B"}, "match": {"kind:spaceship"}}).
		Want(t, http.StatusBadRequest, `&#34;spaceship&#34; is not an item kind.`)
	c.Post("/admin/stories", url.Values{"title": {"Maria"}, "body": {"B"}, "match": {"sku"}, "sku": {"kind:course"}}).
		Want(t, http.StatusBadRequest, "A SKU cannot start with")
	c.Post("/admin/stories", url.Values{"title": {"Maria"}, "body": {"B"}, "match": {"whatever"}}).
		Want(t, http.StatusBadRequest, "Choose which purchases")
	if list, _ := e.store.StoryList(ctx); len(list) != 0 {
		t.Fatalf("stories after mistakes: %v", list)
	}

	// A story for one product, with permission.
	c.Post("/admin/stories", url.Values{
		"title": {" How Maria launched <fast> "}, "body": {"Maria had **no** audience.\r\n\r\nNow she has one."},
		"match": {"sku"}, "sku": {"course-101"}, "permission": {"1"},
	}).Want(t, http.StatusSeeOther)
	r = c.Get("/admin/stories")
	r.Want(t, http.StatusOK, `The story &#34;How Maria launched &lt;fast&gt;&#34; is saved.`, "How Maria launched &lt;fast&gt;", "SKU course-101", "Yes: it is sent")
	if strings.Contains(r.Text, "<fast>") {
		t.Error("the title is not escaped")
	}
	list, err := e.store.StoryList(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("stories: %v %v", list, err)
	}
	st := list[0]
	if st.Title != "How Maria launched <fast>" || st.Body != "Maria had **no** audience.\n\nNow she has one." || st.Match != "course-101" || !st.Permission {
		t.Fatalf("stored %+v", st)
	}

	// Edit it: any course purchase, no permission (any more).
	path := fmt.Sprintf("/admin/stories/%d", st.ID)
	c.Get(path).Want(t, http.StatusOK, "Edit the story", `value="How Maria launched &lt;fast&gt;"`, ">Maria had **no** audience.\n\nNow she has one.</textarea>",
		`<option value="sku" selected>`, `value="course-101"`, "checked", `href="`+path+`/delete"`)
	c.Post(path, url.Values{"title": {"How Maria launched"}, "body": {"Edited."}, "match": {"kind:course"}}).Want(t, http.StatusSeeOther)
	c.Get("/admin/stories").Want(t, http.StatusOK, "It is not sent until you tick", "Course purchases", "No: it is never sent")
	got, err := e.store.StoryGet(ctx, st.ID)
	if err != nil || got.Title != "How Maria launched" || got.Match != "kind:course" || got.Permission || !got.CreatedAt.Equal(st.CreatedAt) {
		t.Fatalf("edited %+v %v", got, err)
	}
	c.Get(path).Want(t, http.StatusOK, `<option value="kind:course" selected>`)
	// A mistake while editing keeps the form on the story.
	c.Post(path, url.Values{"title": {""}, "body": {"Edited."}, "match": {""}}).
		Want(t, http.StatusBadRequest, "The title is required", `action="`+path+`"`)

	// Delete it, after a confirmation.
	c.Get(path+"/delete").Want(t, http.StatusOK, "Delete the story?", "How Maria launched", "Course purchases", `action="`+path+`/delete"`, "Keep it")
	c.Post(path+"/delete", nil).Want(t, http.StatusSeeOther)
	c.Get("/admin/stories").Want(t, http.StatusOK, `The story &#34;How Maria launched&#34; is deleted.`, "No story yet.")
	if _, err := e.store.StoryGet(ctx, st.ID); !aftersale.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
	c.Get(path).Want(t, http.StatusNotFound)
	c.Post(path+"/delete", nil).Want(t, http.StatusNotFound)
	c.Post(path, url.Values{"title": {"T"}, "body": {"B"}}).Want(t, http.StatusNotFound)
	c.Get("/admin/stories/abc").Want(t, http.StatusNotFound, "There is no story abc.")

	// Without the form's token nothing changes.
	keep := e.story(t, "Keep me", "", true)
	c.PostRaw(fmt.Sprintf("/admin/stories/%d/delete", keep.ID), nil, nil).Want(t, http.StatusForbidden)
	if _, err := e.store.StoryGet(ctx, keep.ID); err != nil {
		t.Fatalf("a refused POST deleted the story: %v", err)
	}
}
