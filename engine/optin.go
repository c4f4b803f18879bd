package engine

import (
	"strconv"
	"time"

	"github.com/aftersale/aftersale"
)

// OptInTTL is how long the double opt-in link of an email keeps working.
const OptInTTL = 90 * 24 * time.Hour

// OptInURL is the signed double opt-in link of a customer: the page asks
// "would you like our updates?" and a button confirms (package contact).
// It names the customer by ID, so no address is in the URL.
func (s *Service) OptInURL(c *aftersale.Customer) string {
	return s.cfg.BaseURL + "/c/" + s.cfg.Links.Sign(aftersale.LinkOptIn, strconv.FormatInt(c.ID, 10), OptInTTL)
}
