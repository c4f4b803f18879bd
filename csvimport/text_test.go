package csvimport

import (
	"strings"
	"testing"
)

// TestControlCharactersNameRowAndColumn: a control character in a cell is
// refused by the event's text rule, and the error names the row and the
// column it came from (an item's own row for an item name).
func TestControlCharactersNameRowAndColumn(t *testing.T) {
	data := "order_id,email,occurred_at,name,sku,item_name,number\n" +
		"1,ana@example.com,2026-01-01,Ana,s1,Guide,#1\n" +
		"2,bo@example.com,2026-01-01,Bo\x1b[31m,s1,Guide,#2\n" +
		"3,cy@example.com,2026-01-01,Cy,s1,Guide,#3\n" +
		"3,cy@example.com,2026-01-01,Cy,s2,Course\x00,#3\n" +
		"4,di@example.com,2026-01-01,Di\u202Egnp,s1,Guide,#4\n" +
		"5,ed@example.com,2026-01-01,\"O\"\"Brien\",s1,Guide,#5\n" +
		"6,fa@example.com,2026-01-01,Fa,s1,Guide,#6\x07\n"
	res := read(t, data, "")
	var got []string
	for _, e := range res.Errors {
		got = append(got, e.Error())
	}
	want := []string{
		"row 3, column name: must not contain a control character (U+001B at character 3)",
		"row 5, column item_name: must not contain a NUL character (U+0000 at character 7)",
		"row 6, column name: must not contain a bidirectional control character (U+202E at character 3)",
		"row 8, column number: must not contain a control character (U+0007 at character 3)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors\n got %q\nwant %q", got, want)
	}
	if len(res.Events) != 2 || res.Events[1].Customer.Name != `O"Brien` {
		t.Errorf("events %d; want the two good orders, O\"Brien included", len(res.Events))
	}
}
