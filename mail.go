package aftersale

import (
	"context"
	"time"
)

// Address is a mailbox with an optional display name.
type Address struct {
	Name  string
	Email string
}

// Email is a fully composed message ready for a Mailer.
type Email struct {
	MessageID string // with angle brackets, e.g. <abc@example.com>
	Date      time.Time
	From      Address
	To        Address
	ReplyTo   *Address
	// ReturnPath is the envelope sender (SMTP MAIL FROM), where bounces go;
	// "" uses From's address.
	ReturnPath string
	Subject    string
	Text       string // the text/plain part; always set
	HTML       string // the text/html part; "" sends plain text only
	// Headers are extra headers such as List-Unsubscribe,
	// List-Unsubscribe-Post, In-Reply-To and References, in this order.
	Headers []Header
}

// Header is one extra header field.
type Header struct {
	Name  string
	Value string
}

// Mailer hands a message over for delivery. Errors are *DeliveryError values
// saying whether a retry can help.
type Mailer interface {
	Send(ctx context.Context, m *Email) error
}
