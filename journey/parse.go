package journey

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	yamlparser "github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Parse reads the journeys of one file: a journey (a mapping), a list of
// journeys, or several documents separated by "---". filename is used in
// error messages only. Every problem found is reported, one a line, in a
// single EINVALID *aftersale.Error of the form
// "file:line: steps[2].wait: message".
func Parse(filename string, data []byte) ([]*Journey, error) {
	p := &parser{file: filename}
	f, err := parseYAML(data)
	if err != nil {
		p.yamlError(err)
		return nil, p.probs.err()
	}
	var out []*Journey
	for _, doc := range f.Docs {
		if doc == nil {
			continue
		}
		body, ok := p.node(doc.Body, "journey")
		if !ok || body == nil {
			continue
		}
		if seq, isSeq := body.(*ast.SequenceNode); isSeq {
			for i, v := range seq.Values {
				if j := p.journey(v, fmt.Sprintf("[%d]", i)); j != nil {
					out = append(out, j)
				}
			}
			continue
		}
		if j := p.journey(body, ""); j != nil {
			out = append(out, j)
		}
	}
	if len(out) == 0 && p.probs.empty() {
		p.probs.add(filename, 1, "", "no journey in the file (a journey has id, trigger and steps)")
	}
	p.probs.sortByLine()
	if err := p.probs.err(); err != nil {
		return nil, err
	}
	if _, err := NewSet(out...); err != nil {
		return nil, err
	}
	return out, nil
}

// parseYAML parses data into an AST. A panic in the YAML parser on odd input
// becomes an error: a bad file must not take the service down.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("cannot parse the YAML (%v)", r)
		}
	}()
	return yamlparser.ParseBytes(data, 0)
}

// parser walks one file's AST, collecting problems.
type parser struct {
	file  string
	probs problems
}

// yamlError records a YAML syntax error with its line.
func (p *parser) yamlError(err error) {
	var ye interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &ye) {
		line := 0
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
		p.probs.add(p.file, line, "", "invalid YAML: %s", ye.GetMessage())
		return
	}
	p.probs.add(p.file, 0, "", "invalid YAML: %v", err)
}

// errAt records a problem at n's line.
func (p *parser) errAt(n ast.Node, path, format string, args ...any) {
	p.probs.add(p.file, line(n), path, format, args...)
}

// line returns the line of n's first token, or 0.
func line(n ast.Node) int {
	if n == nil {
		return 0
	}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		return line(m.Values[0].Key)
	}
	if mv, ok := n.(*ast.MappingValueNode); ok && mv.Key != nil {
		return line(mv.Key)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0
	}
	return tk.Position.Line
}

// node strips anchors and standard tags from n; it returns nil for a null
// or missing value, and false after reporting an unsupported construct.
func (p *parser) node(n ast.Node, path string) (ast.Node, bool) {
	for range 16 {
		switch v := n.(type) {
		case nil, *ast.NullNode, *ast.CommentGroupNode, *ast.CommentNode:
			return nil, true
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			if tag := v.Start.Value; !strings.HasPrefix(tag, "!!") {
				p.errAt(n, path, "%q is read as a YAML tag; put the value in quotes", tag)
				return nil, false
			}
			n = v.Value
		case *ast.AliasNode:
			p.errAt(n, path, "aliases (*name) are not supported; repeat the value")
			return nil, false
		default:
			return n, true
		}
	}
	p.errAt(n, path, "too many nested anchors or tags")
	return nil, false
}

// describe names the sort of value n is, for error messages.
func describe(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "true/false"
	}
	return "a text"
}

// mapping returns the entries of a mapping node.
func (p *parser) mapping(n ast.Node, path, what string) ([]*ast.MappingValueNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	}
	p.errAt(n, path, "%s must be a mapping (key: value lines), not %s", what, describe(n))
	return nil, false
}

// key returns the name of a mapping entry's key.
func (p *parser) key(kv *ast.MappingValueNode, path string) (string, bool) {
	switch k := kv.Key.(type) {
	case *ast.StringNode:
		return k.Value, true
	case *ast.MergeKeyNode:
		p.errAt(k, path, "merge keys (<<) are not supported; repeat the fields")
		return "", false
	case ast.ScalarNode:
		if tk := k.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	p.errAt(kv, path, "keys must be plain names")
	return "", false
}

// entries returns a mapping's entries by key, in file order, reporting
// duplicate keys.
func (p *parser) entries(kvs []*ast.MappingValueNode, path string) (keys []string, byKey map[string]*ast.MappingValueNode) {
	byKey = map[string]*ast.MappingValueNode{}
	for _, kv := range kvs {
		k, ok := p.key(kv, path)
		if !ok {
			continue
		}
		if _, dup := byKey[k]; dup {
			p.errAt(kv.Key, join(path, k), "given twice")
			continue
		}
		byKey[k] = kv
		keys = append(keys, k)
	}
	return keys, byKey
}

// join appends a field name to a path.
func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// scalar returns a single value as text; "" for a null value.
func (p *parser) scalar(n ast.Node, path string) (string, bool) {
	n, ok := p.node(n, path)
	if !ok {
		return "", false
	}
	switch v := n.(type) {
	case nil:
		return "", true
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := v.GetToken(); tk != nil {
			return tk.Value, true
		}
		return "", true
	}
	p.errAt(n, path, "must be a single value, not %s", describe(n))
	return "", false
}

// list returns a list of single values; a single value counts as a list of one.
func (p *parser) list(n ast.Node, path string) ([]string, []ast.Node, bool) {
	n, ok := p.node(n, path)
	if !ok {
		return nil, nil, false
	}
	seq, isSeq := n.(*ast.SequenceNode)
	if !isSeq {
		s, ok := p.scalar(n, path)
		if !ok || s == "" {
			return nil, nil, ok
		}
		return []string{s}, []ast.Node{n}, true
	}
	var out []string
	var nodes []ast.Node
	for i, v := range seq.Values {
		s, ok := p.scalar(v, fmt.Sprintf("%s[%d]", path, i))
		if !ok {
			return nil, nil, false
		}
		out = append(out, strings.TrimSpace(s))
		nodes = append(nodes, v)
	}
	return out, nodes, true
}

// ident checks an id: letters, digits, "-" and "_", at most 64.
func (p *parser) ident(kv *ast.MappingValueNode, path string) string {
	s, ok := p.scalar(kv.Value, path)
	if !ok {
		return ""
	}
	s = strings.TrimSpace(s)
	if !isName(s, 64) {
		p.errAt(kv.Key, path, "%q is not an id (use letters, digits, - and _, at most 64)", s)
		return ""
	}
	return s
}

// isName reports whether s is 1..max letters, digits, "-" and "_",
// starting with a letter or digit.
func isName(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i, r := range s {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || (r != '-' && r != '_')) {
			return false
		}
	}
	return true
}

// condition compiles an `if` or `when`.
func (p *parser) condition(kv *ast.MappingValueNode, path string) *Condition {
	s, ok := p.scalar(kv.Value, path)
	if !ok {
		return nil
	}
	if strings.TrimSpace(s) == "" {
		p.errAt(kv.Key, path, "empty condition (leave the field out to always run)")
		return nil
	}
	c, err := CompileCondition(s)
	if err != nil {
		p.errAt(kv.Key, path, "cannot use %q: %v", strings.TrimSpace(s), err)
		return nil
	}
	return c
}

// oneOf checks that s is one of the choices.
func (p *parser) oneOf(n ast.Node, path, what, s string, choices []string) bool {
	if slices.Contains(choices, s) {
		return true
	}
	hint := ""
	if m := closest(s, choices); m != "" {
		hint = fmt.Sprintf("; did you mean %q?", m)
	}
	p.errAt(n, path, "%q is not %s (use %s)%s", s, what, strings.Join(choices, ", "), hint)
	return false
}

// unknown reports a key that the mapping does not have.
func (p *parser) unknown(kv *ast.MappingValueNode, path, k string, known []string, what string) {
	hint := fmt.Sprintf(" (%s fields: %s)", what, strings.Join(known, ", "))
	if m := closest(k, known); m != "" {
		hint = fmt.Sprintf("; did you mean %q?", m)
	}
	p.errAt(kv.Key, path, "unknown field%s", hint)
}

// closest returns the choice within a small edit distance of s, or "".
func closest(s string, choices []string) string {
	best, bestD := "", 3
	for _, c := range choices {
		if d := editDistance(strings.ToLower(s), c); d < bestD && d < len(c) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of short strings.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// journeyKeys are the fields of a journey.
func journeyKeys() []string {
	return []string{"id", "name", "description", "trigger", "when", "exit_on", "steps"}
}

// journey reads one journey; nil after problems.
func (p *parser) journey(n ast.Node, path string) *Journey {
	before := p.probs.count()
	n, ok := p.node(n, path)
	if !ok {
		return nil
	}
	if n == nil {
		p.errAt(n, path, "empty journey")
		return nil
	}
	kvs, ok := p.mapping(n, path, "a journey")
	if !ok {
		return nil
	}
	j := &Journey{File: p.file, Line: line(n), Trigger: TriggerPurchase}
	keys, byKey := p.entries(kvs, path)
	for _, k := range keys {
		kv, fp := byKey[k], join(path, k)
		switch k {
		case "id":
			j.ID = p.ident(kv, fp)
		case "name", "description":
			s, _ := p.scalar(kv.Value, fp)
			if k == "name" {
				j.Name = strings.TrimSpace(s)
			} else {
				j.Description = strings.TrimSpace(s)
			}
		case "trigger":
			if s, ok := p.scalar(kv.Value, fp); ok && p.oneOf(kv.Key, fp, "a trigger", strings.TrimSpace(s), Triggers()) {
				j.Trigger = strings.TrimSpace(s)
			}
		case "when":
			j.When = p.condition(kv, fp)
		case "exit_on":
			evs, nodes, _ := p.list(kv.Value, fp)
			for i, e := range evs {
				ep := fmt.Sprintf("%s[%d]", fp, i)
				if p.oneOf(nodes[i], ep, "an exit event", e, []string{TriggerRefund, TriggerCancel, TriggerReturn}) && !slices.Contains(j.ExitOn, e) {
					j.ExitOn = append(j.ExitOn, e)
				}
			}
		case "steps":
			j.Steps = p.steps(kv, fp)
		default:
			p.unknown(kv, fp, k, journeyKeys(), "journey")
		}
	}
	if byKey["id"] == nil {
		p.errAt(n, join(path, "id"), "missing: every journey needs an id")
	}
	if byKey["steps"] == nil {
		p.errAt(n, join(path, "steps"), "missing: a journey needs at least one step")
	}
	if j.Name == "" {
		j.Name = j.ID
	}
	if slices.Contains(j.ExitOn, j.Trigger) {
		p.errAt(byKey["exit_on"].Key, join(path, "exit_on"), "the journey cannot exit on its own trigger %q", j.Trigger)
	}
	for i, st := range j.Steps {
		if st != nil && j.ExitsOn(st.After) {
			p.probs.add(p.file, st.afterLine, fmt.Sprintf("%s[%d].after", join(path, "steps"), i),
				"%q exits this journey (exit_on), so the step would never run", st.After)
		}
	}
	if p.probs.count() > before {
		return nil
	}
	return j
}

// steps reads a journey's step list.
func (p *parser) steps(kv *ast.MappingValueNode, path string) []*Step {
	n, ok := p.node(kv.Value, path)
	if !ok {
		return nil
	}
	seq, isSeq := n.(*ast.SequenceNode)
	if n == nil || (isSeq && len(seq.Values) == 0) {
		p.errAt(kv.Key, path, "a journey needs at least one step")
		return nil
	}
	if !isSeq {
		p.errAt(n, path, "must be a list of steps (lines starting with \"- \"), not %s", describe(n))
		return nil
	}
	var out []*Step
	ids := map[string]int{}
	for i, v := range seq.Values {
		sp := fmt.Sprintf("%s[%d]", path, i)
		st := p.step(v, sp)
		if st == nil {
			continue
		}
		if first, dup := ids[st.ID]; dup && st.ID != "" {
			p.probs.add(p.file, st.Line, sp+".id", "%q is already the id of %s[%d]", st.ID, path, first)
		} else {
			ids[st.ID] = i
		}
		out = append(out, st)
	}
	return out
}
