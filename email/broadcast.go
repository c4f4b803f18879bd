package email

// Broadcasts: updates to the list, written by the team in the admin UI as a
// subject and a Markdown body. Unlike the journey templates they are not
// files but text typed into a form, so they see only the recipient —
// {{.FirstName}}, {{.Name}} and {{.Email}} — and those values arrive
// escaped for the part they go into: a name can never turn into a link,
// HTML or formatting, even without md.

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"strings"
	texttemplate "text/template"
)

// BroadcastPerson is what a broadcast's subject and body can use.
type BroadcastPerson struct {
	FirstName string // the first word of Name, or "there"
	Name      string
	Email     string
}

// Broadcast is a parsed broadcast: its subject and its Markdown body as
// templates, for the HTML and the text part. It is safe for concurrent use.
type Broadcast struct {
	subject *texttemplate.Template
	html    *texttemplate.Template
	text    *texttemplate.Template
}

// BroadcastPreview is a broadcast rendered for one recipient, for the
// admin UI: the HTML of the body alone (without the email's layout).
type BroadcastPreview struct {
	Rendered
	Body template.HTML
}

// broadcastFuncs are the functions a broadcast may use. The values are
// escaped before the template runs, so md leaves them as they are (it is
// there so that text copied from a journey template works).
var broadcastFuncs = texttemplate.FuncMap{
	"md": func(v any) string { return fmt.Sprint(v) },
	"default": func(def, v any) any {
		if isEmpty(v) {
			return def
		}
		return v
	},
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
}

// sampleBroadcastPerson checks a broadcast when it is parsed.
var sampleBroadcastPerson = NewPerson("Ana Lima", "ana@example.com")

// ParseBroadcast parses a broadcast's subject and Markdown body and runs
// them once for a sample recipient, so that a typo ({{.FristName}}, an
// unclosed {{if}}) is reported when the broadcast is saved, not when it is
// sent. Errors are *BroadcastError values naming the field and the line.
func ParseBroadcast(subject, body string) (b *Broadcast, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, &BroadcastError{Field: "body", Err: fmt.Errorf("cannot parse: %v", r)}
		}
	}()
	if strings.TrimSpace(subject) == "" {
		return nil, &BroadcastError{Field: "subject", Err: errors.New("the subject is empty")}
	}
	if strings.ContainsAny(subject, "\r\n") {
		return nil, &BroadcastError{Field: "subject", Err: errors.New("the subject must be one line")}
	}
	if strings.TrimSpace(body) == "" {
		return nil, &BroadcastError{Field: "body", Err: errors.New("the message is empty")}
	}
	body = strings.ReplaceAll(body, "\r\n", "\n")
	b = &Broadcast{}
	parse := func(field, src string) (*texttemplate.Template, error) {
		t, err := texttemplate.New(field).Option("missingkey=error").Funcs(broadcastFuncs).Parse(src)
		if err != nil {
			return nil, &BroadcastError{Field: field, Err: cleanTemplateError(err)}
		}
		return t, nil
	}
	if b.subject, err = parse("subject", subject); err != nil {
		return nil, err
	}
	if b.html, err = parse("body", body); err != nil {
		return nil, err
	}
	if b.text, err = parse("body", body); err != nil {
		return nil, err
	}
	if _, _, _, err := b.execute(sampleBroadcastPerson); err != nil {
		return nil, err
	}
	return b, nil
}

// BroadcastError is a mistake in a broadcast's subject or body.
type BroadcastError struct {
	Field string // "subject" or "body"
	Err   error
}

// Error returns the problem, naming where it is.
func (e *BroadcastError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *BroadcastError) Unwrap() error { return e.Err }

// cleanTemplateError turns text/template's error into words for the team:
// `template: body:3:5: executing "body" at <.FristName>: can't evaluate
// field FristName in type email.BroadcastPerson` becomes `line 3: there is
// no {{.FristName}}; use {{.FirstName}}, {{.Name}} or {{.Email}}`.
func cleanTemplateError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "template: ")
	line := ""
	if _, rest, ok := strings.Cut(msg, ":"); ok { // "body:3:5: ..." or "body:3: ..."
		n, after, ok := strings.Cut(rest, ":")
		if ok && n != "" && strings.Trim(n, "0123456789") == "" {
			line, msg = "line "+n, after
			if col, after2, ok := strings.Cut(msg, ":"); ok && col != "" && strings.Trim(col, "0123456789") == "" {
				msg = after2
			}
		}
	}
	msg = strings.TrimSpace(msg)
	if i := strings.Index(msg, "can't evaluate field "); i >= 0 {
		field := strings.Fields(msg[i+len("can't evaluate field "):])
		name := ""
		if len(field) > 0 {
			name = field[0]
		}
		msg = "there is no {{." + name + "}}; use {{.FirstName}}, {{.Name}} or {{.Email}}"
	} else if _, after, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "executing ") {
		msg = after
	}
	if line != "" {
		return errors.New(line + ": " + msg)
	}
	return errors.New(msg)
}

// execute runs the broadcast for p and returns the subject (one line), the
// text part's Markdown and the HTML part's Markdown.
func (b *Broadcast) execute(p Person) (subject, text, md string, err error) {
	p.derive()
	plain := BroadcastPerson{FirstName: plainText(p.FirstName), Name: plainText(p.Name), Email: plainText(p.Email)}
	escaped := BroadcastPerson{FirstName: escapeMarkdown(p.FirstName), Name: escapeMarkdown(p.Name), Email: escapeMarkdown(p.Email)}
	run := func(t *texttemplate.Template, field string, d BroadcastPerson) (string, error) {
		var out bytes.Buffer
		if err := t.Execute(&out, d); err != nil {
			return "", &BroadcastError{Field: field, Err: cleanTemplateError(err)}
		}
		return out.String(), nil
	}
	if subject, err = run(b.subject, "subject", plain); err != nil {
		return "", "", "", err
	}
	if subject = plainText(subject); subject == "" {
		return "", "", "", &BroadcastError{Field: "subject", Err: errors.New("the subject comes out empty")}
	}
	if text, err = run(b.text, "body", plain); err != nil {
		return "", "", "", err
	}
	if md, err = run(b.html, "body", escaped); err != nil {
		return "", "", "", err
	}
	return subject, text, md, nil
}

// RenderBroadcast renders the broadcast for one recipient with the same
// Markdown converter and layout as the journey emails. links.Unsubscribe
// (required: a broadcast is never transactional) and links.Preferences go
// into the footer of both parts.
func (r *Renderer) RenderBroadcast(b *Broadcast, biz Business, to Person, links Links) (*Rendered, error) {
	p, err := r.PreviewBroadcast(b, biz, to, links)
	if err != nil {
		return nil, err
	}
	return &p.Rendered, nil
}

// PreviewBroadcast is RenderBroadcast that also returns the HTML of the
// body alone.
func (r *Renderer) PreviewBroadcast(b *Broadcast, biz Business, to Person, links Links) (*BroadcastPreview, error) {
	if b == nil {
		return nil, errors.New("email: render broadcast: no broadcast")
	}
	if strings.TrimSpace(biz.Name) == "" {
		return nil, errors.New("email: render broadcast: Business.Name is required")
	}
	if links.Unsubscribe == "" {
		return nil, errors.New("email: render broadcast: the unsubscribe link is required")
	}
	subject, text, md, err := b.execute(to)
	if err != nil {
		return nil, err
	}
	var body bytes.Buffer
	if err := r.md.Convert([]byte(md), &body); err != nil {
		return nil, fmt.Errorf("email: render broadcast: markdown: %w", err)
	}
	d := &Data{Business: biz, Links: links}
	out := &BroadcastPreview{
		Rendered: Rendered{Subject: subject, Text: normalizeText(text) + "\n-- \n" + footerText(d)},
		Body:     template.HTML(body.String()), // goldmark in safe mode: raw HTML is dropped
	}
	var page bytes.Buffer
	err = layout.Execute(&page, layoutData{
		Subject: subject, Business: biz.Name, Body: out.Body,
		Unsubscribe: links.Unsubscribe, Preferences: links.Preferences,
	})
	if err != nil {
		return nil, fmt.Errorf("email: render broadcast: layout: %w", err)
	}
	out.HTML = page.String()
	return out, nil
}
