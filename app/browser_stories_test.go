package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestStoriesInBrowser writes a client story in the admin UI of a real
// browser, sees it in the list, and deletes it after the confirmation.
func TestStoriesInBrowser(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, withTeam)
	br := newBrowser(t, b.base)
	br.do("log in",
		chromedp.Navigate(b.base+"/admin/login?next=/admin/stories"),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("email"), "owner@shop.example"),
		chromedp.SendKeys(chromedp.ID("password"), "owner password 1"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("new-story")),
	)
	if page := br.text(); !strings.Contains(page, "No story yet.") {
		t.Errorf("the empty library:\n%s", page)
	}
	br.do("open the form", chromedp.Click(chromedp.ID("new-story")), chromedp.WaitVisible(chromedp.ID("story-form")))
	br.do("write a story",
		chromedp.SendKeys(chromedp.ID("title"), "How Maria launched in six weeks"),
		chromedp.SendKeys(chromedp.ID("body"), "Maria bought the course with **no** audience.\n\n- Week 2: ten subscribers.\n- Week 6: her first customers."),
		chromedp.SetValue(chromedp.ID("match"), "kind:course"),
		chromedp.Click(chromedp.CSS(`input[name=permission]`)),
	)
	shot := br.shot("admin-story")
	resp := get(br, "save the story", func(ctx context.Context, tg *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#story-form button[type=submit]`)))
	})
	if resp.Status != http.StatusOK || resp.URL != b.base+"/admin/stories" {
		t.Errorf("after saving: %d %s, want 200 %s/admin/stories", resp.Status, resp.URL, b.base)
	}
	br.do("see the list", chromedp.WaitVisible(chromedp.CSS("#stories tbody tr")))
	page := br.text()
	for _, want := range []string{"is saved.", "How Maria launched in six weeks", "Course purchases", "Yes: it is sent"} {
		if !strings.Contains(page, want) {
			t.Errorf("the list lacks %q:\n%s", want, page)
		}
	}
	shots := []string{shot, br.shot("admin-stories")}
	phone := br.phoneTab(phoneWidth, phoneHeight)
	phone.do("open the list on a phone", chromedp.Navigate(b.base+"/admin/stories"), chromedp.WaitVisible(chromedp.CSS("#stories")))
	if o := get(phone, "measure the list", chromedp.Evaluate[overflow](overflowJS)); o.ScrollWidth > phoneWidth+overflowSlack {
		t.Errorf("the stories scroll sideways on a phone: scrollWidth %d; too wide: %v", o.ScrollWidth, o.Wide)
	}
	shots = append(shots, phone.shot("admin-stories-phone"))

	br.do("delete it",
		chromedp.Click(chromedp.CSS(`#stories tbody a`)),
		chromedp.WaitVisible(chromedp.ID("delete-story")),
		chromedp.Click(chromedp.ID("delete-story")),
		chromedp.WaitVisible(chromedp.ID("confirm-delete")),
	)
	shots = append(shots, br.shot("admin-story-delete"))
	br.do("confirm", chromedp.Click(chromedp.ID("confirm-delete")), chromedp.WaitVisible(chromedp.ID("new-story")))
	if page := br.text(); !strings.Contains(page, "is deleted.") || !strings.Contains(page, "No story yet.") {
		t.Errorf("after deleting:\n%s", page)
	}
	t.Logf("screenshots: %v", shots)
}
