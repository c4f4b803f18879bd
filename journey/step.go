package journey

import (
	"errors"
	"fmt"
	"math"
	"net/mail"
	"slices"
	"strings"

	"github.com/aftersale/aftersale"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// stepCommonKeys are the fields every step may have.
func stepCommonKeys() []string { return []string{"id", "type", "after", "wait", "at", "if"} }

// stepTypeKeys are the fields a step of type t may have besides the common ones.
func stepTypeKeys(t aftersale.StepType) []string {
	switch t {
	case aftersale.StepEmail:
		return []string{"template", "category", "to", "story"}
	case aftersale.StepTask:
		return []string{"task", "title", "assignee", "script", "draft", "due"}
	case aftersale.StepSurvey:
		return []string{"survey", "template", "category", "to"}
	case aftersale.StepOffer:
		return []string{"offer", "template", "category", "to"}
	}
	return nil
}

// stepTypes lists the step types.
func stepTypes() []aftersale.StepType {
	return []aftersale.StepType{aftersale.StepEmail, aftersale.StepTask, aftersale.StepSurvey, aftersale.StepOffer}
}

// allStepKeys lists every field any step may have.
func allStepKeys() []string {
	keys := stepCommonKeys()
	for _, t := range stepTypes() {
		for _, k := range stepTypeKeys(t) {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// typesWith names the step types that have field k, e.g. "task".
func typesWith(k string) string {
	var ts []string
	for _, t := range stepTypes() {
		if slices.Contains(stepTypeKeys(t), k) {
			ts = append(ts, string(t))
		}
	}
	return strings.Join(ts, ", ")
}

// defaultTitle is a task step's title when the file gives none.
func defaultTitle(k aftersale.TaskKind) string {
	switch k {
	case aftersale.TaskPersonalEmail:
		return "Send {{.Buyer.FirstName}} a personal email"
	case aftersale.TaskCall:
		return "Call {{.Buyer.FirstName}}"
	case aftersale.TaskSocialConnect:
		return "Connect with {{.Buyer.FirstName}} on social media"
	case aftersale.TaskCommunityInvite:
		return "Invite {{.Buyer.FirstName}} to the community"
	case aftersale.TaskHandwrittenNote:
		return "Write {{.Buyer.FirstName}} a handwritten note"
	}
	return string(k)
}

// step reads one step; nil after problems that make it unusable.
func (p *parser) step(n ast.Node, path string) *Step {
	n, ok := p.node(n, path)
	if !ok {
		return nil
	}
	if n == nil {
		p.errAt(n, path, "empty step")
		return nil
	}
	kvs, ok := p.mapping(n, path, "a step")
	if !ok {
		return nil
	}
	st := &Step{Line: line(n)}
	keys, byKey := p.entries(kvs, path)

	typeKnown := false
	if kv := byKey["type"]; kv == nil {
		p.errAt(n, path+".type", "missing (email, task, survey or offer)")
	} else if s, ok := p.scalar(kv.Value, path+".type"); ok {
		s = strings.TrimSpace(s)
		var names []string
		for _, t := range stepTypes() {
			names = append(names, string(t))
		}
		if p.oneOf(kv.Key, path+".type", "a step type", s, names) {
			st.Type, typeKnown = aftersale.StepType(s), true
		}
	}

	var waitKV, atKV *ast.MappingValueNode
	for _, k := range keys {
		kv, fp := byKey[k], path+"."+k
		if !slices.Contains(allStepKeys(), k) {
			known, what := allStepKeys(), "step"
			if typeKnown {
				known, what = append(stepCommonKeys(), stepTypeKeys(st.Type)...), string(st.Type)+" step"
			}
			p.unknown(kv, fp, k, known, what)
			continue
		}
		if typeKnown && !slices.Contains(stepCommonKeys(), k) && !slices.Contains(stepTypeKeys(st.Type), k) {
			p.errAt(kv.Key, fp, "not used by %s steps (only %s steps have it)", st.Type, typesWith(k))
			continue
		}
		if k == "if" {
			st.If = p.condition(kv, fp)
			continue
		}
		if k == "to" {
			st.To = p.recipients(kv, fp)
			continue
		}
		if k == "offer" {
			st.Params = p.params(kv, fp)
			continue
		}
		raw, ok := p.scalar(kv.Value, fp)
		if !ok {
			continue
		}
		s := strings.TrimSpace(raw)
		switch k {
		case "id":
			st.ID = p.ident(kv, fp)
		case "type":
			// read above
		case "after":
			if p.oneOf(kv.Key, fp, "an anchor", s, Anchors()) {
				st.After, st.afterLine = s, line(kv.Key)
			}
		case "wait":
			waitKV = kv
			d, err := ParseDelay(s)
			if err != nil {
				p.errAt(kv.Key, fp, "%v", err)
			}
			st.Wait = d
		case "due":
			d, err := ParseDelay(s)
			if err != nil {
				p.errAt(kv.Key, fp, "%v", err)
			} else if d.Negative {
				p.errAt(kv.Key, fp, "must not be negative: it is how long the team has for the task")
			}
			st.Due = d
		case "at":
			atKV = kv
			if _, _, err := parseClock(s); err != nil {
				p.errAt(kv.Key, fp, "%v", err)
			}
			st.At = s
		case "template":
			if !isName(s, 100) {
				p.errAt(kv.Key, fp, "%q is not a template name (use letters, digits, - and _)", s)
			}
			st.Template, st.templateLine = s, line(kv.Key)
		case "category":
			if p.oneOf(kv.Key, fp, "a category", s, []string{string(aftersale.CategoryTransactional), string(aftersale.CategoryFollowUp), string(aftersale.CategoryMarketing)}) {
				st.Category = aftersale.Category(s)
			}
		case "task":
			var kinds []string
			for _, tk := range aftersale.TaskKinds {
				kinds = append(kinds, string(tk))
			}
			if p.oneOf(kv.Key, fp, "a task kind", s, kinds) {
				st.Task = aftersale.TaskKind(s)
			}
		case "assignee":
			if addr, err := mail.ParseAddress(s); strings.Contains(s, "@") && (err != nil || addr.Address != s) {
				p.errAt(kv.Key, fp, "%q is not an email address", s)
			} else if role, ok := strings.CutPrefix(s, AssignRoundRobin+":"); ok {
				p.oneOf(kv.Key, fp, "a role after round_robin:", role, []string{RoleOwner, RoleAssistant, RoleProgramManager})
			} else if !strings.Contains(s, "@") {
				p.oneOf(kv.Key, fp, "a role, round_robin or served", s,
					[]string{RoleOwner, RoleAssistant, RoleProgramManager, AssignRoundRobin, AssignServed})
			}
			st.Assignee = s
		case "title", "script", "draft":
			if err := checkText(raw); err != nil {
				p.errAt(kv.Key, fp, "%v", err)
			}
			switch k {
			case "title":
				st.Title = s
			case "script":
				st.Script = strings.TrimRight(raw, " \n") + "\n"
			case "draft":
				st.Draft = strings.TrimRight(raw, " \n") + "\n"
			}
		case "survey":
			if p.oneOf(kv.Key, fp, "a survey", s, []string{SurveyImportance, SurveyPerformance}) {
				st.Survey = s
			}
		case "story":
			switch strings.ToLower(s) {
			case "true":
				st.Story = true
			case "false":
			default:
				p.errAt(kv.Key, fp, "%q is not true or false (story: true adds a client story to the email)", s)
			}
		}
	}

	if byKey["id"] == nil {
		p.errAt(n, path+".id", "missing: every step needs an id")
	}
	switch st.Type {
	case aftersale.StepEmail:
		if byKey["template"] == nil {
			p.errAt(n, path+".template", "missing: an email step names its template")
		}
	case aftersale.StepTask:
		if byKey["task"] == nil {
			p.errAt(n, path+".task", "missing: a task step names its kind (%s)", taskKindList())
		}
	case aftersale.StepSurvey:
		if byKey["survey"] == nil {
			p.errAt(n, path+".survey", "missing: importance or performance")
		}
	}
	if st.Wait.Negative && st.After != AnchorBooking && waitKV != nil {
		p.errAt(waitKV.Key, path+".wait", "a negative wait (%s) needs after: booking: only a session is known in advance", st.Wait)
	}
	if st.At != "" && st.Wait.Duration != 0 && atKV != nil {
		p.errAt(atKV.Key, path+".at", "needs a wait in whole days (like 1d or 2bd) or none, not %s", st.Wait)
	}
	p.defaults(st)
	return st
}

// defaults fills the fields a step may leave out.
func (p *parser) defaults(st *Step) {
	switch st.Type {
	case aftersale.StepEmail, aftersale.StepSurvey, aftersale.StepOffer:
		if st.Category == "" {
			st.Category = aftersale.CategoryFollowUp
			if st.Type == aftersale.StepOffer {
				st.Category = aftersale.CategoryMarketing
			}
		}
		if len(st.To) == 0 {
			st.To = []string{RecipientBuyer, RecipientUser}
		}
	case aftersale.StepTask:
		if st.Assignee == "" {
			st.Assignee = RoleOwner
		}
		if st.Title == "" && st.Task != "" {
			st.Title = defaultTitle(st.Task)
		}
	}
}

// taskKindList names the task kinds for messages.
func taskKindList() string {
	var s []string
	for _, k := range aftersale.TaskKinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// recipients reads a step's `to`.
func (p *parser) recipients(kv *ast.MappingValueNode, path string) []string {
	to, nodes, ok := p.list(kv.Value, path)
	if !ok {
		return nil
	}
	if len(to) == 0 {
		p.errAt(kv.Key, path, "names nobody (use buyer, user or both)")
		return nil
	}
	var out []string
	for i, r := range to {
		rp := fmt.Sprintf("%s[%d]", path, i)
		if !p.oneOf(nodes[i], rp, "a recipient", r, []string{RecipientBuyer, RecipientUser}) {
			continue
		}
		if slices.Contains(out, r) {
			p.errAt(nodes[i], rp, "%q is named twice", r)
			continue
		}
		out = append(out, r)
	}
	return out
}

// params reads an offer's free-form parameters.
func (p *parser) params(kv *ast.MappingValueNode, path string) map[string]any {
	n, ok := p.node(kv.Value, path)
	if !ok || n == nil {
		return nil
	}
	if _, isMap := n.(ast.MapNode); !isMap {
		p.errAt(kv.Key, path, "must be a mapping like {percent_off: 10, valid_days: 30}, not %s", describe(n))
		return nil
	}
	var m map[string]any
	if err := yaml.NodeToValue(n, &m); err != nil {
		var ye interface{ GetMessage() string }
		msg := err.Error()
		if errors.As(err, &ye) {
			msg = ye.GetMessage()
		}
		p.errAt(kv.Key, path, "%s", msg)
		return nil
	}
	for k, v := range m {
		m[k] = plainNumbers(v)
	}
	return m
}

// plainNumbers turns the YAML decoder's integers (uint64, int64) into int,
// in nested lists and mappings too, so that callers can expect int or
// float64 for numbers.
func plainNumbers(v any) any {
	switch x := v.(type) {
	case uint64:
		if x <= math.MaxInt {
			return int(x)
		}
	case int64:
		return int(x)
	case []any:
		for i := range x {
			x[i] = plainNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = plainNumbers(x[k])
		}
	}
	return v
}
