package admin

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// scriptMarkdown renders task scripts: CommonMark in goldmark's safe mode
// (raw HTML is not passed through, dangerous link schemes are emptied),
// single line breaks kept, headings no bigger than the page's own (h3).
var scriptMarkdown = goldmark.New(
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(scriptHeadings{}, 100))),
	goldmark.WithRendererOptions(html.WithHardWraps()),
)

// renderScript renders a task's Markdown script for the admin page. A "<"
// is written as text before the Markdown is read, so that raw HTML in a
// script shows as the text it is (a teammate may paste "<name>" as a
// placeholder) rather than vanishing; lists, headings, **bold**, `code`
// and links are Markdown's.
func renderScript(src string) template.HTML {
	src = strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "<", "&lt;")
	var b bytes.Buffer
	if err := scriptMarkdown.Convert([]byte(src), &b); err != nil {
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>") //nolint:gosec // escaped
	}
	return template.HTML(b.String()) //nolint:gosec // goldmark in safe mode, from text without tags
}

// scriptHeadings makes every heading of a script an h3 or smaller: the
// script sits inside a page that has its own h1 and h2.
type scriptHeadings struct{}

// Transform implements parser.ASTTransformer.
func (scriptHeadings) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering && h.Level < 3 {
			h.Level = 3
		}
		return ast.WalkContinue, nil
	})
}
