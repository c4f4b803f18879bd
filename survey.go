package aftersale

import (
	"fmt"
	"strings"
	"time"
)

// A Quality is one of the service qualities customers are asked about: in
// the importance survey they pick the ones that matter most to them, in
// the performance survey they rate how well the company, and each team
// member who served them, did on those.
type Quality struct {
	Key   string // e.g. "responsiveness"
	Label string // e.g. "Responsiveness: quick answers"
}

// DefaultQualities is the catalogue used when the install names none.
var DefaultQualities = []Quality{
	{"responsiveness", "Responsiveness: quick answers when you need them"},
	{"expertise", "Expertise: knowing what we are doing"},
	{"ease_of_access", "Ease of access: easy to reach and to use"},
	{"communication", "Communication: clear and in plain words"},
	{"value", "Value: worth what you paid"},
	{"reliability", "Reliability: doing what we said, when we said"},
	{"friendliness", "Friendliness: treating you as a person"},
}

// ParseQualities parses a catalogue such as
// "responsiveness=Quick answers, expertise=Knowing our stuff": KEY=LABEL
// pairs (or bare keys, labelled from the key) separated by commas or
// semicolons. An empty string gives DefaultQualities.
func ParseQualities(s string) ([]Quality, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultQualities, nil
	}
	var out []Quality
	seen := map[string]bool{}
	for _, part := range strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ';' || c == '\n' }) {
		key, label, _ := strings.Cut(strings.TrimSpace(part), "=")
		key, label = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(label)
		if key == "" {
			continue
		}
		for _, c := range key {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				return nil, fmt.Errorf("quality %q: a key has only a-z, 0-9 and _", key)
			}
		}
		if len(key) > 40 || len(label) > 200 {
			return nil, fmt.Errorf("quality %q: the key is at most 40 characters and the label 200", key)
		}
		if seen[key] {
			return nil, fmt.Errorf("quality %q is named twice", key)
		}
		seen[key] = true
		if label == "" {
			label = strings.ToUpper(key[:1]) + strings.ReplaceAll(key[1:], "_", " ")
		}
		out = append(out, Quality{Key: key, Label: label})
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("name at least two qualities")
	}
	return out, nil
}

// AnswerKind says what a survey answer is.
type AnswerKind string

// The answer kinds.
const (
	// AnswerImportance: the customer chose Quality as mattering to them;
	// Value is its rank (1 = most important).
	AnswerImportance AnswerKind = "importance"
	// AnswerPerformance: how well Subject did on Quality, Value 1 to 5.
	AnswerPerformance AnswerKind = "performance"
	// AnswerNPS: how likely the customer is to recommend us, Value 0 to 10.
	AnswerNPS AnswerKind = "nps"
	// AnswerComment: an open comment in Comment.
	AnswerComment AnswerKind = "comment"
)

// SurveyAnswer is one answer of one customer about one order. An answer
// is unique per (order, kind, quality, subject): answering again replaces
// it, so nothing is counted twice.
type SurveyAnswer struct {
	ID         int64
	CustomerID int64
	OrderID    int64
	Kind       AnswerKind
	Quality    string // the quality's key; "" for nps and comment
	// Subject is who is rated: "" for the company, or the email of the
	// team member who served the customer.
	Subject   string
	Value     int
	Comment   string
	CreatedAt time.Time
}

// AnswerFilter selects survey answers; zero fields select everything.
type AnswerFilter struct {
	OrderID    int64
	CustomerID int64
	Kind       AnswerKind
	From, To   time.Time // CreatedAt in [From, To)
}
