package report

import (
	"encoding/csv"
	"io"
	"regexp"
	"strings"
)

// numberRE is a plain decimal number as the reports write them: "-12.50",
// "+3", "0.125", "1e-3". A cell that is one stays a number.
var numberRE = regexp.MustCompile(`^[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// CSVCell returns s made safe to open in a spreadsheet (OWASP "CSV
// Injection"): a cell whose first character, after any spaces, is one a
// spreadsheet reads as the start of a formula (= + - @, tab, carriage
// return) gets a single quote in front, so that =HYPERLINK(...) is shown as
// the text it is. A plain number such as -12.50 is left as it is, so
// numeric columns stay numeric.
func CSVCell(s string) string {
	t := strings.TrimLeft(s, " ")
	if t == "" {
		return s
	}
	switch t[0] {
	case '=', '+', '-', '@', '\t', '\r':
	default:
		return s
	}
	if numberRE.MatchString(s) {
		return s
	}
	return "'" + s
}

// CSVWriter is a csv.Writer that passes every cell through CSVCell. Every
// CSV the service writes for people to open goes through one.
type CSVWriter struct {
	*csv.Writer
}

// NewCSVWriter returns a CSVWriter writing to w.
func NewCSVWriter(w io.Writer) *CSVWriter {
	return &CSVWriter{Writer: csv.NewWriter(w)}
}

// Write writes one row, each cell escaped by CSVCell.
func (w *CSVWriter) Write(row []string) error {
	safe := make([]string, len(row))
	for i, c := range row {
		safe[i] = CSVCell(c)
	}
	return w.Writer.Write(safe)
}

// WriteAll writes the rows, each cell escaped by CSVCell, and flushes.
func (w *CSVWriter) WriteAll(rows [][]string) error {
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
