package engine

import "github.com/aftersale/aftersale/report"

// ReportFilter narrows a report: the insiders report here (the others are
// package feedback's). It is report.Filter; read one with
// report.ParseFilter.
type ReportFilter = report.Filter
