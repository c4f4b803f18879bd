package engine

import "github.com/aftersale/aftersale"

// Links returns the signer of the install's customer links and other
// signed tokens (the admin's device cookies, web/login_device.go).
func (s *Service) Links() *aftersale.LinkSigner { return s.cfg.Links }
