package admin

// The returns in the admin UI: the list by status, a return's page with a
// button per status it may move to, and the returns and arrival answers on
// a customer's page.

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/returns"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
)

// adminReturnsLimit bounds the rows of the returns list.
const adminReturnsLimit = 500

// returnsPage is the data of the returns list.
type returnsPage struct {
	Status string // the tab: open, all or a status
	Tabs   []returnsTab
	Rows   []returnRow
	More   bool // more rows than shown
	Alert  alert
}

type returnsTab struct {
	ID, Label string
	Count     int
}

// returnRow is a return in a list.
type returnRow struct {
	ID                   int64
	CreatedAt            time.Time
	OrderID              string
	Customer, Name       string
	Items                string
	Reason, Resolution   string
	Status               aftersale.ReturnStatus
	StatusURL, UpdatedBy string
}

func newReturnRow(v *returns.View) returnRow {
	r := v.Return
	row := returnRow{ID: r.ID, CreatedAt: r.CreatedAt, Items: web.ItemsSummary(r.Items), Reason: r.Reason,
		Resolution: r.Resolution, Status: r.Status, StatusURL: v.StatusURL, UpdatedBy: r.UpdatedBy}
	if v.Order != nil {
		row.OrderID = aftersale.OrderLabel(v.Order.Ref())
	}
	if v.Customer != nil {
		row.Customer, row.Name = v.Customer.Email, v.Customer.Name
	}
	return row
}

// adminReturns lists the returns of a status (?status=; the open ones,
// requested and received, by default), newest first.
func (s *UI) adminReturns(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	p := returnsPage{Status: web.ReturnsOpen}
	status := http.StatusOK
	if q := r.URL.Query().Get("status"); q != "" {
		st, err := web.ParseReturnStatusFilter(q)
		if err != nil {
			status, p.Alert.Error = http.StatusBadRequest, aftersale.ErrorMessage(err)
		} else if st != "" {
			p.Status = st
		}
	}
	all, err := s.cfg.Web.ListReturns(r.Context(), "all", 0)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	p.Tabs = []returnsTab{{ID: web.ReturnsOpen, Label: "Open"}}
	for _, st := range aftersale.ReturnStatuses {
		p.Tabs = append(p.Tabs, returnsTab{ID: string(st), Label: label(st)})
	}
	p.Tabs = append(p.Tabs, returnsTab{ID: "all", Label: "All"})
	for _, v := range all {
		st := v.Return.Status
		in := func(tab string) bool {
			return tab == "all" || tab == string(st) || (tab == web.ReturnsOpen && !st.Final())
		}
		for i := range p.Tabs {
			if in(p.Tabs[i].ID) {
				p.Tabs[i].Count++
			}
		}
		if status == http.StatusOK && in(p.Status) {
			if len(p.Rows) == adminReturnsLimit {
				p.More = true
				continue
			}
			p.Rows = append(p.Rows, newReturnRow(v))
		}
	}
	s.adminPage(w, r, status, m, "returns.html", "Returns", p)
}

// returnPage is the data of a return's page.
type returnPage struct {
	Return returnRow
	View   *returns.View
	Next   []aftersale.ReturnStatus
	Alert  alert
}

// returnID reads the {id} of the path.
func returnID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, aftersale.Errorf(aftersale.ENOTFOUND, "There is no return %s.", r.PathValue("id"))
	}
	return id, nil
}

func (s *UI) adminReturn(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, err := returnID(r)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.adminReturnPage(w, r, m, http.StatusOK, id, alert{})
}

// adminReturnPage shows the return with the ID and an alert.
func (s *UI) adminReturnPage(w http.ResponseWriter, r *http.Request, m *team.MemberView, status int, id int64, a alert) {
	v, err := s.cfg.Returns.Get(r.Context(), id)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	p := returnPage{Return: newReturnRow(v), View: v, Next: v.Next, Alert: a}
	s.adminPage(w, r, status, m, "return.html", "Return #"+strconv.FormatInt(id, 10), p)
}

// adminReturnStatus moves a return to the status of the form, done by the
// member; a move that is not allowed (any more) is shown on the page.
func (s *UI) adminReturnStatus(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, err := returnID(r)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	raw := strings.TrimSpace(r.PostForm.Get("status"))
	to := aftersale.ReturnStatus(raw)
	if !slices.Contains(aftersale.ReturnStatuses, to) {
		s.adminReturnPage(w, r, m, http.StatusBadRequest, id, alert{Error: "Choose one of the buttons: \"" + raw + "\" is not a return status."})
		return
	}
	v, err := s.cfg.Returns.Advance(r.Context(), id, to, m.Email)
	if err != nil {
		switch code := aftersale.ErrorCode(err); code {
		case aftersale.ECONFLICT, aftersale.EINVALID:
			s.adminReturnPage(w, r, m, web.StatusOf(code), id, alert{Error: web.Sentence(aftersale.ErrorMessage(err))})
		default:
			s.adminError(w, r, m, err)
		}
		return
	}
	msg := "Return #" + strconv.FormatInt(id, 10) + " is " + string(v.Return.Status) + " now."
	switch v.Return.Status {
	case aftersale.ReturnReceived:
		msg += " The customer is told that the parcel arrived."
	case aftersale.ReturnRefunded:
		msg += " The order counts as refunded; remember to pay the money back in the shop if you have not."
	case aftersale.ReturnExchanged:
		msg += " The customer is told that the replacement is on its way."
	}
	s.flash(r.Context(), msg)
	http.Redirect(w, r, "/admin/returns/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// orderExtra is what a customer's page shows under an order besides the
// engine's view: its returns, and the answer to "did it arrive well?".
type orderExtra struct {
	Physical  bool
	Arrival   string
	ArrivalAt time.Time
	Returns   []returnRow
}

// customerOrderExtras returns the extras of the customer's orders by the
// shop's order id.
func (s *UI) customerOrderExtras(ctx context.Context, c *web.CustomerView) (map[string]orderExtra, error) {
	out := map[string]orderExtra{}
	for _, ov := range c.Orders {
		o, err := s.cfg.Service.Store().OrderGetByExternalID(ctx, ov.ID)
		if aftersale.IsNotFound(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		x := orderExtra{Physical: o.HasKind(aftersale.KindPhysical), Arrival: o.Arrival, ArrivalAt: o.ArrivalAt}
		rs, err := s.cfg.Returns.List(ctx, aftersale.ReturnFilter{OrderID: o.ID})
		if err != nil {
			return nil, err
		}
		for _, v := range rs {
			x.Returns = append(x.Returns, newReturnRow(v))
		}
		out[ov.ID] = x
	}
	return out, nil
}
