package sqlite

import "github.com/aftersale/aftersale"

// errNotYet is the error of a store method not implemented yet.
func errNotYet(m string) error {
	return aftersale.Errorf(aftersale.EINTERNAL, "%s is not implemented yet", m)
}
