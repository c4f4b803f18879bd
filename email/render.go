// Package email renders aftersale's emails from Markdown templates into a
// subject, a plain-text part and an HTML part.
//
// A template is a file NAME.md: YAML front matter with the subject, then a
// text/template body in Markdown that reads well as plain text:
//
//	---
//	subject: "Thanks for your order, {{.Recipient.FirstName}}"
//	---
//	Hi {{md .Recipient.FirstName}}, ...
//
// The data is a *Data. Values that come from customers or shops (names, item
// names, titles) go through md, which keeps them from turning into links,
// HTML or formatting. Besides md the templates have url (an absolute http(s)
// URL or an error), required, default, upper, lower and join.
//
// The built-in templates are embedded; a folder of NAME.md files can replace
// them or add more.
package email

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

//go:embed templates/*.md
var builtinFS embed.FS

// The names of the built-in templates.
const (
	ThankYou             = "thank_you"
	SurveyImportance     = "survey_importance"
	SurveyPerformance    = "survey_performance"
	Access               = "access"
	ShippingExpectations = "shipping_expectations"
	FirstSession         = "first_session"
	WhoUses              = "who_uses"
	Day1Welcome          = "day1_welcome"
	Day3Answers          = "day3_answers"
	Day7Checkin          = "day7_checkin"
	Day30Checkin         = "day30_checkin"
	RefundThanks         = "refund_thanks"
	ShipmentUpdate       = "shipment_update"
	DidItArrive          = "did_it_arrive"
	ReturnInstructions   = "return_instructions"
	ReturnReceived       = "return_received"
	ReturnExchanged      = "return_exchanged"
	InsiderOffer         = "insider_offer"
	NextLevel            = "next_level"
)

// builtins parses the embedded templates once per process.
var builtins = sync.OnceValues(func() (map[string]*tmpl, error) {
	return parseDir(builtinFS, "templates")
})

// Rendered is an email ready to be put into a message.
type Rendered struct {
	Subject string // one line
	Text    string // the text/plain part
	HTML    string // the text/html part, a complete document
}

// Renderer renders emails by template name. It is safe for concurrent use.
type Renderer struct {
	templates map[string]*tmpl
	md        goldmark.Markdown
}

// NewRenderer returns a Renderer with the built-in templates and those in
// overrides: every *.md file at the root of overrides replaces the built-in
// template of the same name (the file name without ".md") or adds a new one.
// A nil overrides means the built-ins only. A template that does not parse
// is an error naming its file and line.
func NewRenderer(overrides fs.FS) (*Renderer, error) {
	base, err := builtins()
	if err != nil {
		return nil, fmt.Errorf("email: built-in templates: %w", err)
	}
	r := &Renderer{templates: make(map[string]*tmpl, len(base)), md: newMarkdown()}
	for name, t := range base {
		r.templates[name] = t
	}
	if overrides != nil {
		extra, err := parseDir(overrides, ".")
		if err != nil {
			return nil, fmt.Errorf("email: %w", err)
		}
		for name, t := range extra {
			r.templates[name] = t
		}
	}
	return r, nil
}

// parseDir parses every *.md file in dir of fsys.
func parseDir(fsys fs.FS, dir string) (map[string]*tmpl, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.md"))
	if err != nil {
		return nil, err
	}
	out := make(map[string]*tmpl, len(files))
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		t, err := parseTemplate(path.Base(f), src)
		if err != nil {
			return nil, err
		}
		out[t.name] = t
	}
	return out, nil
}

// Has reports whether there is a template called name.
func (r *Renderer) Has(name string) bool {
	_, ok := r.templates[name]
	return ok
}

// Names returns the template names, sorted.
func (r *Renderer) Names() []string {
	names := make([]string, 0, len(r.templates))
	for n := range r.templates {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Render renders the template name with d. Business.Name is required, and
// so is whatever the template asks for: a missing value is an error, never
// an empty hole or "<no value>" in the email. When d.Links.Unsubscribe is
// set, both parts end with an unsubscribe footer.
func (r *Renderer) Render(name string, d *Data) (*Rendered, error) {
	t, ok := r.templates[name]
	if !ok {
		return nil, fmt.Errorf("email: no template %q", name)
	}
	if d == nil {
		return nil, fmt.Errorf("email: render %s: no data", name)
	}
	if strings.TrimSpace(d.Business.Name) == "" {
		return nil, fmt.Errorf("email: render %s: Business.Name is required", name)
	}
	d = d.derived()

	subject, err := execute(t.subject, d)
	if err != nil {
		return nil, fmt.Errorf("email: render %s: subject: %w", name, err)
	}
	subject = plainText(subject)
	if subject == "" {
		return nil, fmt.Errorf("email: render %s: the subject is empty", name)
	}
	body, err := execute(t.text, d)
	if err != nil {
		return nil, fmt.Errorf("email: render %s: %w", name, err)
	}
	source, err := execute(t.html, d)
	if err != nil {
		return nil, fmt.Errorf("email: render %s: %w", name, err)
	}
	var htmlBody bytes.Buffer
	if err := r.md.Convert([]byte(source), &htmlBody); err != nil {
		return nil, fmt.Errorf("email: render %s: markdown: %w", name, err)
	}

	out := &Rendered{Subject: subject, Text: normalizeText(body)}
	if d.Links.Unsubscribe != "" {
		out.Text += "\n-- \n" + footerText(d)
	}
	var page bytes.Buffer
	err = layout.Execute(&page, layoutData{
		Subject:     subject,
		Business:    d.Business.Name,
		Body:        template.HTML(htmlBody.String()), // goldmark output in safe mode: raw HTML is dropped
		Unsubscribe: d.Links.Unsubscribe,
		Preferences: d.Links.Preferences,
	})
	if err != nil {
		return nil, fmt.Errorf("email: render %s: layout: %w", name, err)
	}
	out.HTML = page.String()
	return out, nil
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// normalizeText tidies the executed Markdown for the text part: LF line
// ends, no trailing spaces, at most one blank line in a row, no blank lines
// at either end, and one final newline.
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	s = blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return strings.Trim(s, "\n") + "\n"
}

func footerText(d *Data) string {
	s := "You're getting this because of your order with " + plainText(d.Business.Name) + ".\n" +
		"Unsubscribe in one click: " + d.Links.Unsubscribe + "\n"
	if d.Links.Preferences != "" {
		s += "Email preferences: " + d.Links.Preferences + "\n"
	}
	return s
}

type layoutData struct {
	Subject     string
	Business    string
	Body        template.HTML
	Unsubscribe string
	Preferences string
}

const fontStack = `-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif`

// layout wraps the body: a centred column at most 560px wide that fills
// small screens, with tables so that Outlook keeps it together, and every
// style inline.
var layout = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f1;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f4f1;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:560px;">
<tr><td style="padding:0 4px 12px;font-family:` + fontStack + `;font-size:14px;font-weight:600;color:#555555;">{{.Business}}</td></tr>
<tr><td style="background-color:#ffffff;border-radius:8px;padding:28px 24px 12px;font-family:` + fontStack + `;font-size:16px;line-height:1.6;color:#222222;">
{{.Body}}</td></tr>
{{- if .Unsubscribe}}
<tr><td style="padding:16px 4px 0;font-family:` + fontStack + `;font-size:12px;line-height:1.5;color:#777777;">You're getting this because of your order with {{.Business}}. <a href="{{.Unsubscribe}}" style="color:#777777;">Unsubscribe in one click</a>{{if .Preferences}} · <a href="{{.Preferences}}" style="color:#777777;">Email preferences</a>{{end}}</td></tr>
{{- end}}
</table>
</td></tr>
</table>
</body>
</html>
`))

// newMarkdown returns the Markdown converter: CommonMark in goldmark's safe
// mode (raw HTML is dropped, dangerous link schemes are emptied), single
// line breaks kept as in the text part, and inline styles on the elements.
func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(styler{}, 100))),
		goldmark.WithRendererOptions(html.WithHardWraps()),
	)
}

// styler puts inline styles on the rendered elements: many mail clients
// ignore style sheets.
type styler struct{}

var styles = map[ast.NodeKind]string{
	ast.KindParagraph:     "margin:0 0 16px;",
	ast.KindHeading:       "margin:0 0 12px;font-size:20px;line-height:1.3;",
	ast.KindList:          "margin:0 0 16px;padding-left:24px;",
	ast.KindListItem:      "margin:0 0 6px;",
	ast.KindBlockquote:    "margin:0 0 16px;padding-left:12px;border-left:3px solid #dddddd;color:#555555;",
	ast.KindLink:          "color:#1a5fb4;text-decoration:underline;",
	ast.KindAutoLink:      "color:#1a5fb4;text-decoration:underline;word-break:break-all;",
	ast.KindThematicBreak: "border:0;border-top:1px solid #e5e5e5;margin:20px 0;",
}

// Transform implements parser.ASTTransformer.
func (styler) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if s, ok := styles[n.Kind()]; ok && entering {
			n.SetAttributeString("style", []byte(s))
		}
		return ast.WalkContinue, nil
	})
}
