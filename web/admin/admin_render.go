package admin

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/phone"
	"github.com/aftersale/aftersale/team"
)

//go:embed templates/*.html
var adminTemplateFS embed.FS

// staticFS holds admin.css and htmx.min.js, which is htmx.org 2.0.11 as
// published on npm (`npm pack htmx.org@2`, package/dist/htmx.min.js):
// vendored, so that the admin UI loads nothing from another site.
//
//go:embed static/*
var staticFS embed.FS

// staticFile is an embedded file served under /admin/static/.
type staticFile struct {
	body        []byte
	contentType string
	etag        string
}

// staticFiles are the embedded static files by name; their URLs carry a
// hash of the content, so they can be cached for a year.
var staticFiles = loadStatic()

func loadStatic() map[string]staticFile {
	out := map[string]staticFile{}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	types := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
	for _, e := range entries {
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		ct := types[path.Ext(e.Name())]
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[e.Name()] = staticFile{body: body, contentType: ct, etag: hex.EncodeToString(sum[:6])}
	}
	return out
}

// staticURL returns the versioned URL of a static file.
func staticURL(name string) string {
	f, ok := staticFiles[name]
	if !ok {
		panic("admin: no static file " + name)
	}
	return "/admin/static/" + name + "?v=" + f.etag
}

// adminStatic serves the embedded CSS and htmx with a long cache lifetime.
func (s *UI) adminStatic(w http.ResponseWriter, r *http.Request, _ *team.MemberView) {
	f, ok := staticFiles[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := `"` + f.etag + `"`
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.body)))
	_, _ = w.Write(f.body)
}

// adminTemplates are the admin pages by file name, each parsed with the
// layout.
var adminTemplates = parseAdminTemplates()

func parseAdminTemplates() map[string]*template.Template {
	names, err := fs.Glob(adminTemplateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" {
			continue
		}
		out[base] = template.Must(template.New(base).Funcs(adminFuncs).ParseFS(adminTemplateFS, "templates/layout.html", n))
	}
	return out
}

// adminView is the data of every admin page and fragment; Page is the
// page's own.
type adminView struct {
	Title   string
	Nav     string // the menu entry to highlight
	Member  *team.MemberView
	CSRF    string
	Overdue int
	Dead    int // the events set aside, for the menu's warning
	Flash   string
	Page    any
}

// alert is a message or an error shown in a page.
type alert struct{ Message, Error string }

// navOf names the menu entry of a path.
func navOf(p string) string {
	for _, n := range []string{"dashboard", "customers", "returns", "stories", "broadcasts", "outbox", "journeys", "team", "account", "tasks", "events"} {
		if strings.HasPrefix(p, "/admin/"+n) {
			if n == "tasks" {
				return "inbox"
			}
			return n
		}
	}
	return "inbox"
}

// adminPage renders a whole page: the layout around the page template's
// "content". m is nil on the login page.
func (s *UI) adminPage(w http.ResponseWriter, r *http.Request, status int, m *team.MemberView, name, title string, page any) {
	v := adminView{Title: title, Nav: navOf(r.URL.Path), Member: m, CSRF: s.csrfToken(r.Context()), Page: page}
	if m != nil {
		v.Flash = s.admin.sessions.PopString(r.Context(), keyFlash)
		if tasks, err := s.cfg.Team.Tasks(r.Context(), string(aftersale.TaskOpen), ""); err == nil {
			for _, t := range tasks {
				if s.cfg.Team.Overdue(t) {
					v.Overdue++
				}
			}
		}
		if n, err := s.cfg.Service.DeadEventCount(r.Context()); err == nil {
			v.Dead = n
		}
	}
	s.adminExecute(w, r, status, name, "layout", v)
}

// adminFragment renders one block of a page template, for htmx.
func (s *UI) adminFragment(w http.ResponseWriter, r *http.Request, status int, name, block string, page any) {
	v := adminView{CSRF: s.csrfToken(r.Context()), Nav: navOf(r.URL.Path), Page: page}
	s.adminExecute(w, r, status, name, block, v)
}

func (s *UI) adminExecute(w http.ResponseWriter, r *http.Request, status int, name, block string, v adminView) {
	t := adminTemplates[name]
	var buf bytes.Buffer
	if t == nil {
		s.log.ErrorContext(r.Context(), "admin: no template", "template", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, block, v); err != nil {
		s.log.ErrorContext(r.Context(), "admin: render", "template", name, "block", block, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// adminFuncs are the template functions of the admin pages.
var adminFuncs = template.FuncMap{
	"static":  staticURL,
	"when":    formatWhen,
	"ago":     formatAgo,
	"label":   label,
	"script":  renderScript,
	"path":    pathEscape,
	"deref":   func(t *time.Time) time.Time { return derefTime(t) },
	"localIn": localIn,
	"roles":   func() []aftersale.Role { return aftersale.Roles },
	"kinds":   func() []aftersale.ItemKind { return aftersale.ItemKinds },
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// pathEscape escapes one path segment, such as an email address.
func pathEscape(s string) string { return url.PathEscape(s) }

// formatWhen shows an instant in UTC, e.g. "Mon 2 Mar 2026 14:05 UTC".
func formatWhen(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("Mon 2 Jan 2006 15:04 UTC")
}

// formatAgo shows an instant relative to now: "in 3h", "2d ago".
func formatAgo(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := time.Until(t)
	future := d > 0
	if !future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		s = fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%dh", int(d.Hours()))
	default:
		s = fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// localIn shows the current time in a customer's zone, e.g. "14:05 (Tue)".
func localIn(tz string) string {
	if tz == "" {
		return ""
	}
	loc, err := aftersale.LoadLocation(tz)
	if err != nil {
		return ""
	}
	return time.Now().In(loc).Format("15:04 (Mon)")
}

// labels are the words shown for codes.
var labels = map[string]string{
	"reached": "Reached", "voicemail": "Left a voicemail", "no_answer": "No answer", "call_back": "Call back later",
	"wrong_number": "Wrong number", "done": "Done", "skipped": "Skip", "sent": "Sent",
	"personal_email": "Personal email", "call": "Call", "social_connect": "Social connect",
	"community_invite": "Community invite", "handwritten_note": "Handwritten note",
	"program_manager": "Program manager", "owner": "Owner", "assistant": "Assistant",
}

// label returns the word shown for a code: "no_answer" is "No answer".
func label(code any) string {
	c := fmt.Sprint(code)
	if l, ok := labels[c]; ok {
		return l
	}
	c = strings.ReplaceAll(c, "_", " ")
	if c == "" {
		return ""
	}
	return strings.ToUpper(c[:1]) + c[1:]
}

// phoneLink is a customer's number for a click-to-call link.
type phoneLink struct {
	Display string // as given
	Tel     string // E.164, "" when it is not a number that can be dialled
}

// newPhoneLink reads a number in the default region (used when it has no
// country code) and gives its E.164 form when it can be dialled (see
// phone.Parse: "555-555-SHIP" cannot).
func newPhoneLink(raw, region string) phoneLink {
	p := phoneLink{Display: strings.TrimSpace(raw)}
	p.Tel = phone.Format(p.Display, region)
	return p
}
