package aftersale

import "time"

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
