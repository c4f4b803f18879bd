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
	c.login(ana.Email, password)
	ctx := context.Background()

	c.get("/admin/stories").want(t, http.StatusOK, "<h1>Stories</h1>", "No story yet.", `href="/admin/stories" aria-current="page"`)
	c.get("/admin/stories/new").want(t, http.StatusOK, "New story", `name="title"`, `<option value="kind:course">Course purchases</option>`,
		`<option value="sku">`, `name="permission"`, `name="csrf_token"`)

	// Mistakes are shown on the form, with what was typed.
	c.post("/admin/stories", url.Values{"title": {""}, "body": {"It went well."}}).
		want(t, http.StatusBadRequest, "The title is required", `id="title" name="title"`, `aria-invalid="true"`, ">It went well.</textarea>")
	c.post("/admin/stories", url.Values{"title": {"Maria"}, "body": {"  \r\n "}}).
		want(t, http.StatusBadRequest, "The story is required", `value="Maria"`)
	c.post("/admin/stories", url.Values{"title": {strings.Repeat("x", 121)}, "body": {"B"}}).
		want(t, http.StatusBadRequest, "The title is too long: at most 120 characters.")
	c.post("/admin/stories", url.Values{"title": {"Maria"}, "body": {strings.Repeat("b", 3001)}}).
		want(t, http.StatusBadRequest, "The story is too long")
	r := c.post("/admin/stories", url.Values{"title": {"Maria"}, "body": {"B"}, "match": {"sku"}, "sku": {" "}, "permission": {"1"}})
	r.want(t, http.StatusBadRequest, "Type the product&#39;s SKU", `<option value="sku" selected>`, `id="sku" name="sku" maxlength="100" value="" autocomplete="off" aria-invalid="true"`, "checked")
	c.post("/admin/stories", url.Values{"title": {"Maria"}, "body": {"B"}, "match": {"kind:spaceship"}}).
		want(t, http.StatusBadRequest, `&#34;spaceship&#34; is not an item kind.`)
	c.post("/admin/stories", url.Values{"title": {"Maria"}, "body": {"B"}, "match": {"sku"}, "sku": {"kind:course"}}).
		want(t, http.StatusBadRequest, "A SKU cannot start with")
	c.post("/admin/stories", url.Values{"title": {"Maria"}, "body": {"B"}, "match": {"whatever"}}).
		want(t, http.StatusBadRequest, "Choose which purchases")
	if list, _ := e.store.StoryList(ctx); len(list) != 0 {
		t.Fatalf("stories after mistakes: %v", list)
	}

	// A story for one product, with permission.
	c.post("/admin/stories", url.Values{
		"title": {" How Maria launched <fast> "}, "body": {"Maria had **no** audience.\r\n\r\nNow she has one."},
		"match": {"sku"}, "sku": {"course-101"}, "permission": {"1"},
	}).want(t, http.StatusSeeOther)
	r = c.get("/admin/stories")
	r.want(t, http.StatusOK, `The story &#34;How Maria launched &lt;fast&gt;&#34; is saved.`, "How Maria launched &lt;fast&gt;", "SKU course-101", "Yes: it is sent")
	if strings.Contains(r.body, "<fast>") {
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
	c.get(path).want(t, http.StatusOK, "Edit the story", `value="How Maria launched &lt;fast&gt;"`, ">Maria had **no** audience.\n\nNow she has one.</textarea>",
		`<option value="sku" selected>`, `value="course-101"`, "checked", `href="`+path+`/delete"`)
	c.post(path, url.Values{"title": {"How Maria launched"}, "body": {"Edited."}, "match": {"kind:course"}}).want(t, http.StatusSeeOther)
	c.get("/admin/stories").want(t, http.StatusOK, "It is not sent until you tick", "Course purchases", "No: it is never sent")
	got, err := e.store.StoryGet(ctx, st.ID)
	if err != nil || got.Title != "How Maria launched" || got.Match != "kind:course" || got.Permission || !got.CreatedAt.Equal(st.CreatedAt) {
		t.Fatalf("edited %+v %v", got, err)
	}
	c.get(path).want(t, http.StatusOK, `<option value="kind:course" selected>`)
	// A mistake while editing keeps the form on the story.
	c.post(path, url.Values{"title": {""}, "body": {"Edited."}, "match": {""}}).
		want(t, http.StatusBadRequest, "The title is required", `action="`+path+`"`)

	// Delete it, after a confirmation.
	c.get(path+"/delete").want(t, http.StatusOK, "Delete the story?", "How Maria launched", "Course purchases", `action="`+path+`/delete"`, "Keep it")
	c.post(path+"/delete", nil).want(t, http.StatusSeeOther)
	c.get("/admin/stories").want(t, http.StatusOK, `The story &#34;How Maria launched&#34; is deleted.`, "No story yet.")
	if _, err := e.store.StoryGet(ctx, st.ID); !aftersale.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
	c.get(path).want(t, http.StatusNotFound)
	c.post(path+"/delete", nil).want(t, http.StatusNotFound)
	c.post(path, url.Values{"title": {"T"}, "body": {"B"}}).want(t, http.StatusNotFound)
	c.get("/admin/stories/abc").want(t, http.StatusNotFound, "There is no story abc.")

	// Without the form's token nothing changes.
	keep := e.story(t, "Keep me", "", true)
	c.postRaw(fmt.Sprintf("/admin/stories/%d/delete", keep.ID), nil, nil).want(t, http.StatusForbidden)
	if _, err := e.store.StoryGet(ctx, keep.ID); err != nil {
		t.Fatalf("a refused POST deleted the story: %v", err)
	}
}
