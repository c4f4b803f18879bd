package email

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"text/template"
	"unicode"

	"github.com/goccy/go-yaml"
)

// frontMatter is the YAML block at the top of a template file.
type frontMatter struct {
	Subject string `yaml:"subject"`
}

// tmpl is one parsed email template. The body is parsed twice over the same
// source: once for the HTML part, where md escapes Markdown, and once for
// the text part, where md leaves text as it is.
type tmpl struct {
	name    string // the file name without ".md"
	subject *template.Template
	html    *template.Template
	text    *template.Template
}

var yamlPos = regexp.MustCompile(`^\[(\d+):(\d+)\]\s*`)

// parseTemplate parses one template file: YAML front matter between two
// "---" lines, then a text/template body in Markdown. Errors start with
// file and, where known, the line in the file.
func parseTemplate(file string, src []byte) (t *tmpl, err error) {
	defer func() {
		// The YAML and template parsers are third-party code fed user
		// files; a panic there must not take the service down.
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("%s: cannot parse: %v", file, r)
		}
	}()
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if strings.TrimRight(lines[0], " \t") != "---" {
		return nil, fmt.Errorf("%s:1: the file must start with front matter: a line \"---\", \"subject: ...\", and a line \"---\"", file)
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], " \t") == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		return nil, fmt.Errorf("%s:1: the front matter is not closed by a line \"---\"", file)
	}

	// A leading newline makes the YAML parser's line numbers the file's.
	var fm frontMatter
	fmSrc := "\n" + strings.Join(lines[1:end], "\n")
	if err := yaml.UnmarshalWithOptions([]byte(fmSrc), &fm, yaml.DisallowUnknownField()); err != nil {
		msg := yaml.FormatError(err, false, false)
		if m := yamlPos.FindStringSubmatch(msg); m != nil {
			return nil, fmt.Errorf("%s:%s:%s: front matter: %s", file, m[1], m[2], msg[len(m[0]):])
		}
		return nil, fmt.Errorf("%s: front matter: %s", file, msg)
	}
	if strings.TrimSpace(fm.Subject) == "" {
		return nil, fmt.Errorf("%s: front matter: subject is required", file)
	}
	subjectLine := 2
	for i := 1; i < end; i++ {
		if v, ok := strings.CutPrefix(lines[i], "subject:"); ok {
			subjectLine = i + 1
			if v = strings.TrimSpace(v); v != "" && strings.Trim(v, "|>+-") == "" {
				subjectLine++ // a block scalar starts on the next line
			}
		}
	}

	t = &tmpl{name: strings.TrimSuffix(file, ".md")}
	t.subject, err = parseText(file, subjectLine, fm.Subject, textFuncs)
	if err != nil {
		return nil, err
	}
	body := strings.Join(lines[end+1:], "\n")
	if t.html, err = parseText(file, end+2, body, htmlFuncs); err != nil {
		return nil, err
	}
	if t.text, err = parseText(file, end+2, body, textFuncs); err != nil {
		return nil, err
	}
	return t, nil
}

// parseText parses src as if it started on line first of file, so that
// errors carry the file's line numbers: the lines before are padded with a
// template comment, which produces no output.
func parseText(file string, first int, src string, funcs template.FuncMap) (*template.Template, error) {
	pad := ""
	if first > 1 {
		pad = "{{/*" + strings.Repeat("\n", first-1) + "*/}}"
	}
	t, err := template.New(file).Option("missingkey=error").Funcs(funcs).Parse(pad + src)
	if err != nil {
		// "template: f.md:5: unexpected EOF" → "f.md:5: unexpected EOF"
		return nil, errors.New(strings.TrimPrefix(err.Error(), "template: "))
	}
	return t, nil
}

// Template functions. md differs between the two parts; the rest are shared.
var (
	htmlFuncs = funcs(escapeMarkdown)
	textFuncs = funcs(plainText)
)

func funcs(md func(any) string) template.FuncMap {
	return template.FuncMap{
		// md makes a customer-supplied value (a name, an item name) safe to
		// place in Markdown: one line, and in the HTML part every ASCII
		// punctuation mark escaped, so it cannot become a link, HTML or
		// formatting.
		"md": md,
		// url returns an absolute http(s) URL, cleaned; anything else is an error.
		"url": cleanURL,
		// required returns v, or an error naming what is missing when v is empty.
		"required": required,
		// default returns v, or def when v is empty: {{.Title | default "your session"}}.
		"default": func(def, v any) any {
			if isEmpty(v) {
				return def
			}
			return v
		},
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
		"join":  func(sep string, v []string) string { return strings.Join(v, sep) },
	}
}

// asciiPunct is every character CommonMark lets a backslash escape.
const asciiPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// escapeMarkdown renders v as one line with every ASCII punctuation mark
// backslash-escaped (CommonMark allows that for all of them), so the value
// shows as typed and nothing in it is interpreted.
func escapeMarkdown(v any) string {
	s := plainText(v)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(asciiPunct, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// plainText renders v as one line: control characters and runs of white
// space become single spaces.
func plainText(v any) string {
	s := fmt.Sprint(v)
	if v == nil {
		s = ""
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

func cleanURL(v any) (string, error) {
	s := strings.TrimSpace(plainText(v))
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("bad URL %q: %v", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("URL %q is not an absolute http(s) URL", s)
	}
	return u.String(), nil
}

func required(what string, v any) (any, error) {
	if isEmpty(v) {
		return nil, errors.New(what + " is required")
	}
	return v, nil
}

// isEmpty reports whether v is nil or the zero value, or an empty string,
// slice or map.
func isEmpty(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String, reflect.Slice, reflect.Map, reflect.Array:
		return rv.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	}
	return rv.IsZero()
}

// execute runs t on d and returns the output.
func execute(t *template.Template, d *Data) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}
