// Package aftersale holds the domain of the aftersale service: purchases,
// customers, journeys and their steps, messages and tasks, and the interfaces
// that the technology packages (storage, mail, web, job engine) implement or use.
//
// The package imports nothing internal; every other package points inward to it.
package aftersale

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the web package.
const (
	EINVALID      = "invalid"      // the input is wrong; Field names what
	ENOTFOUND     = "not_found"    // the thing asked for does not exist
	ECONFLICT     = "conflict"     // the change clashes with stored state
	EUNAUTHORIZED = "unauthorized" // no or wrong credentials
	EFORBIDDEN    = "forbidden"    // credentials fine, action not allowed
	ETOOLARGE     = "too_large"    // the body is over the limit
	ETOOMANY      = "too_many"     // rate limited
	EUNAVAILABLE  = "unavailable"  // the store cannot take writes now (a full disk); retry later
	EINTERNAL     = "internal"     // anything else; the message is not shown
)

// Error is the domain error: a code, a message that is safe to show to the
// caller, and, for EINVALID, the field it is about.
type Error struct {
	Code    string
	Field   string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID *Error about one field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of err: the *Error's text, or a
// generic text for internal errors so that no detail leaks to callers.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}

// IsNotFound reports whether err is an ENOTFOUND error.
func IsNotFound(err error) bool { return ErrorCode(err) == ENOTFOUND }

// DeliveryError is returned by a Mailer when a message could not be handed
// over. Temporary errors (SMTP 4xx, connection failures) are retried with
// backoff; permanent ones (SMTP 5xx) are recorded as failed and not retried.
type DeliveryError struct {
	Temporary bool
	Code      int // SMTP reply code when known, else 0
	// Malformed: the message itself is at fault, not the recipient or the
	// server (it could not be built, or the server refused its syntax):
	// a bug in aftersale. Such an error is permanent.
	Malformed bool
	Err       error
}

// Error implements the error interface.
func (e *DeliveryError) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	if e.Code != 0 {
		return fmt.Sprintf("%s delivery failure (%d): %v", kind, e.Code, e.Err)
	}
	return fmt.Sprintf("%s delivery failure: %v", kind, e.Err)
}

// Unwrap returns the underlying error.
func (e *DeliveryError) Unwrap() error { return e.Err }

// IsMalformed reports whether err is a *DeliveryError about a malformed
// message of ours (see DeliveryError.Malformed).
func IsMalformed(err error) bool {
	var d *DeliveryError
	return errors.As(err, &d) && d.Malformed
}

// IsTemporary reports whether err should be retried. Errors that are not a
// *DeliveryError count as temporary: it is safer to retry than to lose mail.
func IsTemporary(err error) bool {
	var d *DeliveryError
	if errors.As(err, &d) {
		return d.Temporary
	}
	return err != nil
}
